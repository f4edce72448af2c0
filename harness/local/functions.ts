/**
 * The template's functions, run locally: each function's bundle, loaded in sandboxes of its own
 * (sandbox.ts) with its environment from the template (durations scaled, layers under a local
 * /opt), and its timeout. One process plays every function: their environments are merged into
 * Node's own `process.env` (see node-realm.ts).
 */
import { cpSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { nodeProcess } from './node-realm';
import { BundleClock, routeOutputOfSandboxes, SandboxPool, sandboxPool } from './sandbox';
import { isLeaseEnvVar, isSecondsEnvVar } from './time-scale';
import type { CfnTemplate } from '../example-app';
import type { LambdaLogs } from '../lambda-logs';
import { resourcesOfType, TemplateResolver } from '../template-resolver';

/** Lambda's default function timeout, when the template gives none. */
const LAMBDA_DEFAULT_TIMEOUT_SECONDS = 3;

/**
 * Lambda unpacks a function's layers into /opt. Locally, the layers of every function of the
 * template are copied into one folder of the assembly (their files do not collide: one
 * configuration file per function), and environment values under /opt are made to point there.
 */
function localLayers(template: CfnTemplate, assemblyDir: string): (value: string) => string {
  const layerIds = resourcesOfType(template, 'AWS::Lambda::LayerVersion');
  if (layerIds.length === 0) return (value) => value;
  const opt = mkdtempSync(join(assemblyDir, 'local-opt-'));
  for (const id of layerIds) {
    const assetPath = template.Resources[id].Metadata?.['aws:asset:path'];
    if (!assetPath) throw new Error(`layer ${id} has no aws:asset:path metadata`);
    cpSync(join(assemblyDir, assetPath), opt, { recursive: true });
  }
  return (value) => (value === '/opt' || value.startsWith('/opt/') ? opt + value.slice('/opt'.length) : value);
}

/** What the functions are loaded from and with. */
export interface FunctionsSetting {
  readonly template: CfnTemplate;
  readonly assemblyDir: string;
  readonly resolver: TemplateResolver;
  /** The SDK's environment (endpoints, region, credentials) the handlers get. */
  readonly sdkEnv: Record<string, string>;
  /** Handler log level (`LOG_LEVEL`), when the run does not emulate Lambda's logging. */
  readonly logLevel?: string;
  /** Lambda's log pipeline, when the run emulates it. */
  readonly lambdaLogs?: LambdaLogs;
  /** The bundles' time and randomness. */
  readonly clock: BundleClock;
}

/** The template's functions, loaded. */
export interface LocalFunctions {
  /** Each function's execution environments, by logical id. */
  readonly functions: ReadonlyMap<string, SandboxPool>;
  /** Each function's `Timeout`, in seconds of AWS time. */
  readonly timeouts: ReadonlyMap<string, number>;
  /** Each function's application log level (Lambda's filter), when the run emulates Lambda's logging. */
  readonly appLogLevels: ReadonlyMap<string, string>;
  /** Each function's reserved concurrency (`ReservedConcurrentExecutions`), where the template sets one. */
  readonly reservedConcurrency: ReadonlyMap<string, number>;
  /** The values the run's environment replaced in Node's own `process.env`. */
  readonly previousEnv: Record<string, string | undefined>;
}

/** Puts the functions' environment in place and loads each function's bundle (a cold start). */
export function loadFunctions(setting: FunctionsSetting): LocalFunctions {
  const { template, assemblyDir, resolver, sdkEnv, clock } = setting;
  const { timeScale, allowanceMs } = clock;
  // One process plays every function: their environments are merged (they must agree).
  const env: Record<string, string> = { ...sdkEnv, ...(setting.lambdaLogs ? {} : { LOG_LEVEL: setting.logLevel ?? 'OFF' }) };
  // Only one of the two settings of the level may be left by an earlier run in this process.
  const staleLevel = setting.lambdaLogs ? 'LOG_LEVEL' : 'AWS_LAMBDA_LOG_LEVEL';
  const previousLevel = nodeProcess.env[staleLevel];
  delete process.env[staleLevel];
  delete nodeProcess.env[staleLevel];
  if (setting.lambdaLogs) routeOutputOfSandboxes();
  /** Each function's application log level (Lambda's filter), when the run emulates Lambda's logging. */
  const appLogLevels = new Map<string, string>();
  const assetFiles = new Map<string, string>();
  /** Each function's `Timeout`, in seconds of AWS time. */
  const timeouts = new Map<string, number>();
  const reservedConcurrency = new Map<string, number>();
  const inLocalLayers = localLayers(template, assemblyDir);
  for (const id of resourcesOfType(template, 'AWS::Lambda::Function')) {
    const resource = template.Resources[id];
    const assetPath = resource.Metadata?.['aws:asset:path'];
    if (!assetPath) continue;
    const vars = resolver.resolve(resource.Properties.Environment?.Variables ?? {}) as Record<string, string>;
    const logging = resource.Properties.LoggingConfig;
    if (setting.lambdaLogs && logging?.LogFormat === 'JSON') {
      // Lambda sets AWS_LAMBDA_LOG_LEVEL from the application log level (JSON format only).
      appLogLevels.set(id, logging.ApplicationLogLevel ?? 'INFO');
      vars.AWS_LAMBDA_LOG_LEVEL = logging.ApplicationLogLevel ?? 'INFO';
    }
    for (const [k, value] of Object.entries(vars)) {
      // Durations the functions get from the construct run in scaled time too.
      const seconds = isSecondsEnvVar(k) && value !== '' && Number.isFinite(Number(value)) ? Number(value) / timeScale : undefined;
      const v = seconds === undefined ? inLocalLayers(value) : String(isLeaseEnvVar(k) ? seconds + allowanceMs / 1000 : seconds);
      if (k in env && env[k] !== v && !(k in sdkEnv)) throw new Error(`functions disagree on ${k}`);
      env[k] = v;
    }
    assetFiles.set(id, require.resolve(join(assemblyDir, assetPath, resource.Properties.Handler.split('.')[0])));
    timeouts.set(id, Number(resource.Properties.Timeout ?? LAMBDA_DEFAULT_TIMEOUT_SECONDS));
    const reserved = resource.Properties.ReservedConcurrentExecutions;
    if (reserved !== undefined) reservedConcurrency.set(id, Number(reserved));
  }
  // The bundles run in Node's realm (see node-realm.ts), and read its environment (under a
  // test runner, not the test's copy): `restoreEnvironment` gives it back as it was.
  Object.assign(process.env, env);
  const previousEnv = { [staleLevel]: previousLevel, ...Object.fromEntries(Object.keys(env).map((k) => [k, nodeProcess.env[k]])) };
  Object.assign(nodeProcess.env, env);
  // Load each asset now, with the environment in place: a fresh module (and fresh SDK
  // clients, built with this run's endpoints) per LocalWorkflow, like a cold start.
  const functions = new Map<string, SandboxPool>();
  for (const [id, file] of assetFiles) functions.set(id, sandboxPool(file, clock));
  return { functions, timeouts, appLogLevels, reservedConcurrency, previousEnv };
}
