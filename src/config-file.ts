import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aws_lambda as lambda } from 'aws-cdk-lib';
import { CONFIG_LAYER_FOLDER, ENV } from './shared/contract';

/** Where Lambda puts the files of a function's layers. */
const LAYER_ROOT = '/opt';

/**
 * Gives `fn` a configuration file: the JSON of `content`, for configuration too large for
 * environment variables (4 KB for all of them together).
 *
 * The file is the only content of a small Lambda layer of the function, built at synth: its
 * asset is hashed by content, so an unchanged configuration makes no new layer version. Lambda
 * puts it at `/opt/support-case-workflow/<fileName>`; the function is told the folder
 * (`SUPPORT_CASE_CONFIG_DIR`) and reads the file once per cold start with `readConfigFile`
 * (src/handlers/config-file.ts). Who can read it: whoever may read the function's layers
 * (`lambda:GetLayerVersion` on the layer version) or the CDK asset bucket; it is not in the
 * function's configuration (`lambda:GetFunctionConfiguration` shows only the layer's ARN).
 *
 * @param fileName the file's name, one per function (`CONFIG_FILES` in src/shared/contract.ts)
 */
export function addConfigFile(fn: lambda.Function, fileName: string, content: unknown): lambda.LayerVersion {
  const staging = mkdtempSync(join(tmpdir(), 'support-case-config-'));
  mkdirSync(join(staging, CONFIG_LAYER_FOLDER));
  writeFileSync(join(staging, CONFIG_LAYER_FOLDER, fileName), JSON.stringify(content));
  const layer = new lambda.LayerVersion(fn, `Config-${fileName}`, {
    code: lambda.Code.fromAsset(staging),
    description: `Configuration file ${fileName} of a support case workflow function`,
  });
  fn.addLayers(layer);
  fn.addEnvironment(ENV.CONFIG_DIR, `${LAYER_ROOT}/${CONFIG_LAYER_FOLDER}`);
  return layer;
}
