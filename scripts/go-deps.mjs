#!/usr/bin/env node
// Generate the Go bindings of the construct's jsii dependencies (aws-cdk-lib, constructs) with
// jsii-pacmak, from the assemblies in node_modules: the Go API the README's Go examples are
// type-checked against (scripts/check-go-examples.go). They are what aws-cdk-go and constructs-go
// publish (the same generator), without the Go module proxy, which the build cannot reach.
//
// aws-cdk-lib is given to pacmak as a copy of its package.json and assembly only: pacmak packs
// every package it generates (npm pack), and packing all of aws-cdk-lib takes half a minute for a
// tarball the check does not need. The output is cached under OUT_DIR, keyed by the versions of
// the dependencies and of jsii-pacmak.
//
// Usage: node scripts/go-deps.mjs OUT_DIR
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const outDir = process.argv[2];
if (!outDir) {
  console.error('usage: node scripts/go-deps.mjs OUT_DIR');
  process.exit(2);
}
// The check these bindings are for needs Go: say so before spending a minute on them.
const go = spawnSync('go', ['version'], { encoding: 'utf-8' });
if (go.status !== 0) {
  console.error('go-deps: the Go examples check needs Go >= 1.19 on the PATH (Debian: apt-get install golang-go)');
  process.exit(1);
}
const version = (pkg) => JSON.parse(readFileSync(join('node_modules', pkg, 'package.json'), 'utf-8')).version;
const key = createHash('sha256')
  .update(JSON.stringify({ 'aws-cdk-lib': version('aws-cdk-lib'), 'constructs': version('constructs'), 'jsii-pacmak': version('jsii-pacmak') }))
  .digest('hex');
const stamp = join(outDir, '.key');
if (existsSync(stamp) && readFileSync(stamp, 'utf-8') === key) {
  console.log(`go-deps: ${outDir} is up to date`);
  process.exit(0);
}

const work = resolve('node_modules/.cache/go-deps-work');
rmSync(work, { recursive: true, force: true });
// Under node_modules, so that pacmak finds aws-cdk-lib's jsii dependencies from the copy.
const lite = join(work, 'aws-cdk-lib');
mkdirSync(lite, { recursive: true });
const manifest = JSON.parse(readFileSync('node_modules/aws-cdk-lib/package.json', 'utf-8'));
delete manifest.scripts; // npm pack runs none of aws-cdk-lib's build scripts
writeFileSync(join(lite, 'package.json'), JSON.stringify(manifest, undefined, 2));
for (const f of ['.jsii', '.jsii.gz']) {
  if (existsSync(join('node_modules/aws-cdk-lib', f))) copyFileSync(join('node_modules/aws-cdk-lib', f), join(lite, f));
}

const started = Date.now();
const pacmak = spawnSync(resolve('node_modules/.bin/jsii-pacmak'),
  ['--code-only', '--targets', 'go', '--outdir', join(work, 'out'), lite, 'node_modules/constructs'],
  { stdio: ['ignore', 'inherit', 'inherit'] });
if (pacmak.status !== 0) {
  console.error(`go-deps: jsii-pacmak failed (${pacmak.error ?? `exit ${pacmak.status}`})`);
  process.exit(1);
}
rmSync(outDir, { recursive: true, force: true });
mkdirSync(resolve(outDir, '..'), { recursive: true });
renameSync(join(work, 'out', 'go'), outDir);
rmSync(work, { recursive: true, force: true });
writeFileSync(stamp, key);
console.log(`go-deps: Go bindings of aws-cdk-lib and constructs in ${outDir} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
