/**
 * Investigation, not part of `npx projen bench`: which bundling choices change the cold start of
 * Assign Case and Send Email. Builds each handler several ways with esbuild into a temp folder
 * and measures them exactly like bench.ts does (fresh `node child.js` per sample against local
 * DynamoDB and SES, interleaved with the tutorial-style baseline), then prints medians.
 *
 *   ts-node --project tsconfig.dev.json --transpile-only harness/bench/bundle-variants.ts [--runs N]
 *
 * Variants (all: --bundle --platform=node --target=node24, SDK bundled, like projen's bundle task):
 *  projen        --minify (what assets/ holds)
 *  unminified    no --minify
 *  module-first  --minify --main-fields=module,main: esbuild takes the SDK's ES module builds
 *                (dist-es) instead of the CommonJS ones (dist-cjs), so it can tree-shake them
 *  esm           module-first, output as an ES module (index.mjs)
 *  env-creds     module-first, with @aws-sdk/credential-provider-node aliased to
 *                src/handlers/env-credentials.lambda-shared.ts (credentials from the environment only, as in Lambda)
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildSync, BuildOptions } from 'esbuild';
import { startLocalRun } from '../local-run';
import { coldStartContext, Contender, measureInterleaved, Step, STEP_FILE, STANDARD_CONTENDERS } from './cold-start';
import { formatTable, median, removeTempAssembly } from './stats';

const ROOT = resolve(__dirname, '..', '..');
const STEPS_MEASURED: Step[] = ['assignCase', 'sendEmail'];

interface Variant {
  readonly name: string;
  readonly esm?: boolean;
  readonly options: BuildOptions;
}

const MODULE_FIRST: BuildOptions = { minify: true, mainFields: ['module', 'main'] };
const VARIANTS: Variant[] = [
  { name: 'projen', options: { minify: true } },
  { name: 'unminified', options: {} },
  { name: 'module-first', options: MODULE_FIRST },
  { name: 'esm', esm: true, options: { ...MODULE_FIRST, format: 'esm' } },
  {
    name: 'env-creds',
    options: { ...MODULE_FIRST, alias: { '@aws-sdk/credential-provider-node': join(__dirname, '..', '..', 'src', 'handlers', 'env-credentials.lambda-shared.ts') } },
  },
];

function build(outRoot: string, variant: Variant, step: Step): string {
  const outfile = join(outRoot, variant.name, `${STEP_FILE[step]}.lambda`, variant.esm ? 'index.mjs' : 'index.js');
  buildSync({
    entryPoints: [join(ROOT, 'src', 'handlers', `${STEP_FILE[step]}.lambda.ts`)],
    bundle: true,
    platform: 'node',
    target: 'node24',
    tsconfig: join(ROOT, 'tsconfig.dev.json'),
    outfile,
    logLevel: 'error',
    ...variant.options,
  });
  return outfile;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '10' } } });
  const runs = Number(values.runs);
  const outRoot = mkdtempSync(join(tmpdir(), 'bench-variants-'));
  const run = await startLocalRun();
  const ctx = coldStartContext(run);
  try {
    const files = new Map<string, string>();
    for (const v of VARIANTS) for (const s of STEPS_MEASURED) files.set(`${v.name}/${s}`, build(outRoot, v, s));
    const contenders: Contender[] = [
      ...VARIANTS.map((v) => ({ name: v.name, file: (s: Step) => files.get(`${v.name}/${s}`)! })),
      STANDARD_CONTENDERS.find((c) => c.name === 'tutorial')!,
    ];
    process.stdout.write(`${runs} runs x ${STEPS_MEASURED.length} steps x ${contenders.length} contenders...\n`);
    const results = await measureInterleaved(ctx, runs, STEPS_MEASURED, contenders);
    for (const s of STEPS_MEASURED) {
      const tutorialTotal = median(results[s].tutorial.map((x) => x.totalMs));
      process.stdout.write(`\n${s}: medians in ms\n`);
      process.stdout.write(formatTable([
        ['variant', 'bytes', 'load', 'invoke', 'total', 'vs tutorial'],
        ...contenders.map((c) => {
          const xs = results[s][c.name];
          const total = median(xs.map((x) => x.totalMs));
          return [
            c.name,
            statSync(c.file(s)).size,
            median(xs.map((x) => x.loadMs)).toFixed(1),
            median(xs.map((x) => x.invokeMs)).toFixed(1),
            total.toFixed(1),
            (total / tutorialTotal).toFixed(3),
          ];
        }),
      ]) + '\n');
    }
  } finally {
    ctx.dynamodb.destroy();
    await run.stop();
    removeTempAssembly(run.synthesized.assemblyDir);
    rmSync(outRoot, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${(err as Error).stack ?? err}\n`);
    process.exit(1);
  },
);
