import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AssetStaging, aws_lambda as lambda } from 'aws-cdk-lib';
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
 * (src/handlers/config-file.lambda-shared.ts). The temporary folder it is written to is removed once the asset
 * has copied it into the cloud assembly. Who can read it: whoever may read the function's layers
 * (`lambda:GetLayerVersion` on the layer version) or the CDK asset bucket; it is not in the
 * function's configuration (`lambda:GetFunctionConfiguration` shows only the layer's ARN).
 *
 * @param fileName the file's name, one per function (`CONFIG_FILES` in src/shared/contract.ts)
 */
export function addConfigFile(fn: lambda.Function, fileName: string, content: unknown): lambda.LayerVersion {
  const staging = mkdtempSync(join(tmpdir(), 'support-case-config-'));
  mkdirSync(join(staging, CONFIG_LAYER_FOLDER));
  writeFileSync(join(staging, CONFIG_LAYER_FOLDER, fileName), JSON.stringify(content));
  let layer: lambda.LayerVersion;
  try {
    layer = new lambda.LayerVersion(fn, `Config-${fileName}`, {
      code: lambda.Code.fromAsset(staging),
      description: `Configuration file ${fileName} of a support case workflow function`,
    });
  } finally {
    removeUnlessInUse(fn, staging);
  }
  fn.addLayers(layer);
  fn.addEnvironment(ENV.CONFIG_DIR, `${LAYER_ROOT}/${CONFIG_LAYER_FOLDER}`);
  return layer;
}

/**
 * Removes the temporary folder once the asset has copied it into the cloud assembly (it holds a
 * copy of the roster or the templates). Where staging is turned off (`--no-staging`), the asset
 * points at the folder itself, which must then stay until deployment.
 */
function removeUnlessInUse(fn: lambda.Function, staging: string): void {
  const stages = fn.node.findAll().filter((c): c is AssetStaging => c instanceof AssetStaging && resolve(c.sourcePath) === resolve(staging));
  if (stages.some((stage) => resolve(stage.absoluteStagedPath) === resolve(staging))) return;
  rmSync(staging, { recursive: true, force: true });
}
