#!/usr/bin/env node
// Generate the Go bindings of the construct's jsii dependencies (aws-cdk-lib, constructs) with
// jsii-pacmak, from the assemblies in node_modules: the Go API the Go examples are type-checked
// against (scripts/check-go-examples.go). They are what aws-cdk-go and constructs-go publish (the
// same generator), without the Go module proxy, which the build cannot reach.
//
// All of aws-cdk-lib (20,000 types) takes pacmak a minute or more. So pacmak gets a copy of its
// assembly cut down to the Go packages that PACKAGE_DIR (the generated Go binding: its Go files and
// README) names, e.g. awscdk, awsdynamodb, awsiam, plus every type those refer to, transitively
// (bases, interfaces, member and parameter types): the declarations the examples can reach are
// exactly those of the published modules. Docs are left out. The output is cached under OUT_DIR,
// keyed by the versions of the dependencies and of jsii-pacmak and by those package names.
//
// Usage: node scripts/go-deps.mjs OUT_DIR PACKAGE_DIR
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';

const [outDir, pkgDir] = process.argv.slice(2);
if (!pkgDir) {
  console.error('usage: node scripts/go-deps.mjs OUT_DIR PACKAGE_DIR');
  process.exit(2);
}
// The check these bindings are for needs Go: say so before spending a minute on them.
const go = spawnSync('go', ['version'], { encoding: 'utf-8' });
if (go.status !== 0) {
  console.error('go-deps: the Go examples check needs Go >= 1.19 on the PATH (Debian: apt-get install golang-go)');
  process.exit(1);
}
const version = (pkg) => JSON.parse(readFileSync(join('node_modules', pkg, 'package.json'), 'utf-8')).version;

// aws-cdk-lib's assembly (.jsii may redirect to a compressed file).
const cdkDir = 'node_modules/aws-cdk-lib';
let assembly = JSON.parse(readFileSync(join(cdkDir, '.jsii'), 'utf-8'));
if (assembly.schema === 'jsii/file-redirect') {
  const data = readFileSync(join(cdkDir, assembly.filename));
  assembly = JSON.parse((assembly.compression === 'gzip' ? gunzipSync(data) : data).toString('utf-8'));
}

// The Go package of each submodule is its last name without underscores (aws_dynamodb ->
// awsdynamodb), the root's is awscdk: the words of PACKAGE_DIR's Go files and README that are such
// names select the submodules.
const goName = (submodule) => submodule.split('.').pop().replace(/[^a-z0-9]/gi, '').toLowerCase();
// (Only the first-level submodules: aws_dynamodb, not interfaces.aws_dynamodb.)
const byGoName = new Map(Object.keys(assembly.submodules ?? {}).filter((m) => m.split('.').length === 2).map((m) => [goName(m), m]));
const words = new Set();
for (const f of readdirSync(pkgDir).filter((n) => n.endsWith('.go') || n === 'README.md')) {
  for (const w of readFileSync(join(pkgDir, f), 'utf-8').match(/\baws[a-z0-9]+\b/g) ?? []) words.add(w);
}
const selected = [assembly.name, ...[...words].filter((w) => byGoName.has(w)).map((w) => byGoName.get(w))].sort();

const key = createHash('sha256')
  .update(JSON.stringify({ 'aws-cdk-lib': version('aws-cdk-lib'), 'constructs': version('constructs'), 'jsii-pacmak': version('jsii-pacmak'), selected }))
  .digest('hex');
const stamp = join(outDir, '.key');
if (existsSync(stamp) && readFileSync(stamp, 'utf-8') === key) {
  console.log(`go-deps: ${outDir} is up to date`);
  process.exit(0);
}

// The submodule of a type: the longest submodule name its fqn starts with (else the root).
const submodules = Object.keys(assembly.submodules ?? {}).sort((a, b) => b.length - a.length);
const submoduleOf = (fqn) => submodules.find((m) => fqn.startsWith(`${m}.`)) ?? assembly.name;
const selectedSet = new Set(selected);
// Every type an object of the assembly refers to.
const referenced = (node, out) => {
  if (Array.isArray(node)) {
    for (const x of node) referenced(x, out);
  } else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'fqn' && typeof v === 'string') out.add(v);
      else if (k === 'base' && typeof v === 'string') out.add(v);
      else if (k === 'interfaces' && Array.isArray(v)) v.forEach((i) => out.add(i));
      else if (k !== 'docs') referenced(v, out);
    }
  }
};
const keep = new Set();
const queue = Object.keys(assembly.types).filter((fqn) => selectedSet.has(submoduleOf(fqn)));
while (queue.length > 0) {
  const fqn = queue.pop();
  if (keep.has(fqn) || !assembly.types[fqn]) continue;
  keep.add(fqn);
  const refs = new Set();
  referenced(assembly.types[fqn], refs);
  // A nested type (CfnTable.AttributeDefinitionProperty) keeps its parent.
  refs.add(fqn.slice(0, fqn.lastIndexOf('.')));
  for (const r of refs) if (!keep.has(r) && assembly.types[r]) queue.push(r);
}
const stripDocs = (node) => {
  if (Array.isArray(node)) {
    node.forEach(stripDocs);
  } else if (node && typeof node === 'object') {
    delete node.docs;
    delete node.readme;
    Object.values(node).forEach(stripDocs);
  }
};
const types = Object.fromEntries([...keep].sort().map((fqn) => [fqn, assembly.types[fqn]]));
const cut = { ...assembly, types };
stripDocs(cut);

const work = resolve('node_modules/.cache/go-deps-work');
rmSync(work, { recursive: true, force: true });
// Under node_modules, so that pacmak finds aws-cdk-lib's jsii dependencies from the copy.
const lite = join(work, 'aws-cdk-lib');
mkdirSync(lite, { recursive: true });
const manifest = JSON.parse(readFileSync(join(cdkDir, 'package.json'), 'utf-8'));
delete manifest.scripts; // npm pack runs none of aws-cdk-lib's build scripts
writeFileSync(join(lite, 'package.json'), JSON.stringify(manifest, undefined, 2));
writeFileSync(join(lite, '.jsii'), JSON.stringify(cut));
console.log(`go-deps: ${keep.size} of ${Object.keys(assembly.types).length} aws-cdk-lib types (packages ${selected.map((m) => goName(m === assembly.name ? 'awscdk' : m)).join(', ')}, and what they refer to)`);

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
console.log(`go-deps: Go bindings of aws-cdk-lib (cut down) and constructs in ${outDir} (pacmak: ${((Date.now() - started) / 1000).toFixed(0)} s)`);
