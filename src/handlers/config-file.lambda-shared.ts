/**
 * Reads a function's configuration file: configuration too large for environment variables
 * (4 KB for all of them), which the construct ships in a small Lambda layer of the function
 * (see `addConfigFile` in src/config-file.ts). Each file is read and parsed once per
 * execution environment, at the first call (the cold start), and kept.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigurationError } from './errors.lambda-shared';
import { ENV } from '../shared/contract';

const files = new Map<string, Record<string, unknown>>();

/**
 * The JSON object in `fileName`, in the folder named by the `SUPPORT_CASE_CONFIG_DIR` variable.
 * @throws ConfigurationError when the variable is not set or the file is missing or not a JSON object
 */
export function readConfigFile(fileName: string): Record<string, unknown> {
  const known = files.get(fileName);
  if (known) return known;
  const dir = process.env[ENV.CONFIG_DIR];
  if (!dir) throw new ConfigurationError(`${ENV.CONFIG_DIR} is not set`);
  const path = join(dir, fileName);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigurationError(`the configuration file ${path} cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).name})`);
  }
  let content: unknown;
  try {
    content = JSON.parse(text);
  } catch {
    throw new ConfigurationError(`the configuration file ${path} is not valid JSON`);
  }
  if (content === null || typeof content !== 'object' || Array.isArray(content)) {
    throw new ConfigurationError(`the configuration file ${path} does not hold a JSON object`);
  }
  files.set(fileName, content as Record<string, unknown>);
  return content as Record<string, unknown>;
}
