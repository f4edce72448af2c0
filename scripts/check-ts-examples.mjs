#!/usr/bin/env node
// Type-check the README's TypeScript examples that build the workflow, as a user pastes them.
//
// jsii-rosetta compiles the examples too, but with fixtures that may supply imports the example
// does not show; a user who pastes it gets "Cannot find name 'sns'". Here an example is compiled
// with nothing added but what the README says around it:
//   ```ts nofixture      a whole app (bin/app.ts): compiled as it is;
//   ```ts fixture=stack  its imports, then the code of a stack's constructor (`this` is the stack):
//                        compiled inside a Stack subclass that imports nothing under a usable name.
// An example that builds the workflow must be one of the two. Each example is its own module,
// so the examples are alternatives (the README says so); 'support-case-workflow' resolves to
// the compiled library (lib/), as the installed package would.
//
// Usage: node scripts/check-ts-examples.mjs [README.md]
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

const require = createRequire(import.meta.url);
const ts = require('typescript');

const root = resolve('.');
const readme = process.argv[2] ?? 'README.md';
if (!existsSync(join(root, 'lib', 'index.d.ts'))) {
  console.error('check-ts-examples: lib/index.d.ts is missing: compile first (npx projen compile)');
  process.exit(2);
}

/** The fenced TypeScript blocks of a Markdown file: info string, code, line of the first code line. */
export function typescriptBlocks(markdown) {
  const blocks = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(ts|typescript)\b(.*)$/.exec(lines[i]);
    if (!open) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end])) end++;
    blocks.push({ info: open[2].trim(), code: lines.slice(start, end).join('\n'), line: start + 1 });
    i = end;
  }
  return blocks;
}

const STACK_HEAD = [
  "import * as fixtureCdk from 'aws-cdk-lib';",
  "import * as fixtureConstructs from 'constructs';",
];

/** The file a user ends up with after pasting the example where the README says. */
function pasted(block) {
  if (/\bnofixture\b/.test(block.info)) return { text: block.code, offset: 0 };
  if (/\bfixture=stack\b/.test(block.info)) {
    const lines = block.code.split('\n');
    let n = 0;
    while (n < lines.length && (/^import\b/.test(lines[n]) || lines[n].trim() === '')) n++;
    const head = [...lines.slice(0, n), ...STACK_HEAD,
      'export class ExampleStack extends fixtureCdk.Stack {',
      '  constructor(scope: fixtureConstructs.Construct, id: string) {',
      '    super(scope, id);'];
    return { text: [...head, ...lines.slice(n), '  }', '}', ''].join('\n'), offset: n - head.length };
  }
  return undefined;
}

const blocks = typescriptBlocks(readFileSync(readme, 'utf-8')).filter((b) => /new SupportCaseWorkflow\(/.test(b.code));
const problems = [];
const files = new Map();
for (const [i, block] of blocks.entries()) {
  const file = pasted(block);
  if (!file) {
    problems.push(`${readme}:${block.line}: an example that builds the workflow must show its imports: mark it \`\`\`ts fixture=stack`
      + ' (its imports, then the code of a stack\'s constructor) or ```ts nofixture (a whole app)');
    continue;
  }
  files.set(join(root, `.readme-example-${i + 1}.ts`), { ...file, block });
}

// As `cdk init app --language typescript` sets them up (strict, NodeNext), with the package
// name pointing at lib/.
const options = {
  strict: true,
  noEmit: true,
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  skipLibCheck: true,
  types: [],
  paths: { 'support-case-workflow': [join(root, 'lib', 'index.d.ts')] },
};
const host = ts.createCompilerHost(options);
const readFile = host.readFile.bind(host);
const getSourceFile = host.getSourceFile.bind(host);
host.fileExists = ((exists) => (f) => files.has(f) || exists(f))(host.fileExists.bind(host));
host.readFile = (f) => files.get(f)?.text ?? readFile(f);
host.getSourceFile = (f, v, onError) => (files.has(f) ? ts.createSourceFile(f, files.get(f).text, v, true) : getSourceFile(f, v, onError));

const program = ts.createProgram([...files.keys()], options, host);
for (const d of ts.getPreEmitDiagnostics(program)) {
  const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
  const file = d.file && files.get(d.file.fileName);
  if (!file) {
    problems.push(`${d.file?.fileName ?? '(options)'}: ${text}`);
    continue;
  }
  const { line } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
  const readmeLine = file.block.line + line + file.offset;
  problems.push(`${readme}:${readmeLine} (the example at line ${file.block.line}): TS${d.code}: ${text}`);
}
if (problems.length) {
  console.error(problems.join('\n'));
  console.error(`\ncheck-ts-examples: ${problems.length} problem(s) in the ${blocks.length} examples that build the workflow`);
  process.exit(1);
}
console.log(`check-ts-examples: the ${blocks.length} TypeScript examples of ${readme} that build the workflow compile as pasted`);
