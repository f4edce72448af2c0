#!/usr/bin/env node
// Seeds a roster table (EmployeeRoster.fromTable): turns a roster file into the request files
// of `aws dynamodb batch-write-item` (at most 25 items per request, DynamoDB's limit).
//
//   node scripts/roster-request-items.mjs TABLE_NAME roster.json OUT_DIR
//   for f in OUT_DIR/batch-*.json; do aws dynamodb batch-write-item --request-items "file://$f"; done
//
// roster.json: [{ "id": "emp-001", "name": "Ana Souza", "email": "ana.souza@example.com" }, ...]
// (optionally "active": false to keep someone in the table but off the roster).
// Check the output of each call: UnprocessedItems must be {} (run that file again otherwise).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const BATCH = 25;

export function requestFiles(tableName, employees) {
  if (!Array.isArray(employees) || employees.length === 0) throw new Error('the roster must be a non-empty JSON array');
  const ids = new Set();
  const items = employees.map((e, i) => {
    for (const key of ['id', 'name', 'email']) {
      if (typeof e?.[key] !== 'string' || e[key].trim() === '') throw new Error(`employee ${i}: "${key}" must be a non-empty string`);
    }
    if (ids.has(e.id)) throw new Error(`employee ${i}: duplicate id ${e.id}`);
    ids.add(e.id);
    const item = { employeeId: { S: e.id }, name: { S: e.name }, email: { S: e.email } };
    if (e.active !== undefined) item.active = { BOOL: Boolean(e.active) };
    return { PutRequest: { Item: item } };
  });
  const files = [];
  for (let i = 0; i < items.length; i += BATCH) files.push({ [tableName]: items.slice(i, i + BATCH) });
  return files;
}

function main(argv) {
  if (argv.length !== 3) {
    console.error('usage: node scripts/roster-request-items.mjs TABLE_NAME roster.json OUT_DIR');
    return 2;
  }
  const [tableName, rosterFile, outDir] = argv;
  let files;
  try {
    files = requestFiles(tableName, JSON.parse(readFileSync(rosterFile, 'utf8')));
  } catch (err) {
    console.error(`${rosterFile}: ${err.message}`);
    return 1;
  }
  mkdirSync(outDir, { recursive: true });
  files.forEach((f, i) => writeFileSync(join(outDir, `batch-${String(i + 1).padStart(3, '0')}.json`), `${JSON.stringify(f, null, 2)}\n`));
  console.log(`${files.length} request file(s) in ${outDir} for ${tableName}`);
  return 0;
}

if (import.meta.url === `file://${process.argv[1]}`) process.exitCode = main(process.argv.slice(2));
