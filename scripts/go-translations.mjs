#!/usr/bin/env node
// Give jsii-pacmak Go translations of the README's (and the @example) TypeScript snippets that
// are written by hand, in rosetta/go/.
//
// jsii-rosetta's Go translator does not produce Go that compiles: it imports every aws-cdk-lib
// submodule as "github.com/aws/aws-cdk-go/awscdk" (no /v2, no submodule package), leaves struct
// types unqualified (&Employee{...}, &TableProps{...}), types lists as []T instead of *[]*T,
// reads properties as fields instead of getter methods, and so on (see rosetta/go/README.md).
// The other languages' translations are fine, so only Go is replaced.
//
// Each rosetta/go/*.go file starts with the line
//   // rosetta-ts-sha256: <first 16 hex digits of the SHA-256 of the TypeScript snippet>
// and the rest is the Go that replaces rosetta's translation of that snippet. This reads the
// tablet of `jsii-rosetta extract` and writes a tablet holding those snippets with the Go
// translation replaced; jsii-pacmak, given it with --rosetta-tablet, prefers it to the default
// tablet. It fails when a README or @example snippet has no hand-written Go (a new or changed
// TypeScript example) or a file in rosetta/go/ matches no snippet (a stale translation), so the
// Go examples cannot silently drift from the TypeScript ones.
//
// Usage: node scripts/go-translations.mjs TABLET TRANSLATIONS_DIR OUT_TABLET
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const HEADER = /^\/\/ rosetta-ts-sha256: ([0-9a-f]{16})\s*$/;

const [tabletFile, dir, outFile] = process.argv.slice(2);
if (!outFile) {
  console.error('usage: node scripts/go-translations.mjs TABLET TRANSLATIONS_DIR OUT_TABLET');
  process.exit(2);
}

const tablet = JSON.parse(readFileSync(tabletFile, 'utf-8'));
const hashOf = (tsSource) => createHash('sha256').update(tsSource).digest('hex').slice(0, 16);
const describe = (location) => {
  const { api, field } = location;
  if (api.api === 'moduleReadme') return `README.md, the TypeScript block at line ${field.line}`;
  return `${api.fqn ?? api.moduleFqn}${api.memberName ? `#${api.memberName}` : ''} (${field.field}${field.line ? ` line ${field.line}` : ''})`;
};
// The snippets whose Go translation ends up in the Go binding: the README and @example tags.
// (Markdown examples in other doc comments stay TypeScript in the Go doc comments.)
const shownInGo = (location) => location.api.api === 'moduleReadme' || location.field.field === 'example';

const translations = new Map(); // hash -> { file, source }
const errors = [];
for (const name of readdirSync(dir).filter((f) => f.endsWith('.go')).sort()) {
  const [first, ...rest] = readFileSync(join(dir, name), 'utf-8').split('\n');
  const m = HEADER.exec(first);
  if (!m) {
    errors.push(`${join(dir, name)}: the first line must be "// rosetta-ts-sha256: <hash>"`);
    continue;
  }
  const source = rest.join('\n').replace(/^\n+/, '').replace(/\s+$/, '');
  translations.set(m[1], { file: join(dir, name), source, used: false });
}

const out = { ...tablet, snippets: {} };
let replaced = 0;
for (const [key, snippet] of Object.entries(tablet.snippets)) {
  if (!shownInGo(snippet.location)) continue;
  const ts = snippet.translations.$.source;
  const hash = hashOf(ts);
  const t = translations.get(hash);
  if (!t) {
    errors.push([
      `No hand-written Go translation for ${describe(snippet.location)}:`,
      indent(ts),
      `Add a file to ${dir}/ starting with "// rosetta-ts-sha256: ${hash}". rosetta's own Go (a starting point only):`,
      indent(snippet.translations.go?.source ?? '(none)'),
    ].join('\n'));
    continue;
  }
  t.used = true;
  out.snippets[key] = { ...snippet, translations: { ...snippet.translations, go: { ...snippet.translations.go, source: t.source } } };
  replaced++;
}
for (const t of translations.values()) {
  if (!t.used) errors.push(`${t.file}: matches no TypeScript example (changed or removed?); update its hash or delete it`);
}
if (errors.length) {
  console.error(errors.join('\n\n'));
  console.error(`\ngo-translations: ${errors.length} problem(s)`);
  process.exit(1);
}
mkdirSync(dirname(outFile), { recursive: true });
writeFileSync(outFile, JSON.stringify(out, undefined, 2));
console.log(`go-translations: ${replaced} hand-written Go translations -> ${outFile}`);

function indent(text) {
  return text.split('\n').map((l) => `    ${l}`).join('\n');
}
