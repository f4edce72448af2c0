/**
 * The states' names are written once, in the contract (`STATE_NAMES`, src/shared/contract.ts):
 * the construct, the step table and the harness read them from there. A string literal that is a
 * state name anywhere else would drift from the state machine the day a state is renamed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { STATE_NAMES } from '../../src/shared/contract';

const ROOT = join(__dirname, '..', '..');
const CONTRACT = join('src', 'shared', 'contract.ts');

function sourceFiles(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('-function.ts'))
    .map((f) => join(folder, f));
}

test('state names appear as string literals only in the contract', () => {
  const names = new Set<string>(Object.values(STATE_NAMES));
  const found: string[] = [];
  for (const file of [...sourceFiles('src'), ...sourceFiles('harness')]) {
    if (file === CONTRACT) continue;
    readFileSync(join(ROOT, file), 'utf8').split('\n').forEach((line, i) => {
      for (const m of line.matchAll(/'([^'\\]*)'|"([^"\\]*)"|`([^`$\\]*)`/g)) {
        const literal = m[1] ?? m[2] ?? m[3];
        if (names.has(literal)) found.push(`${relative(ROOT, join(ROOT, file))}:${i + 1} ${m[0]}`);
      }
    });
  }
  expect(found).toEqual([]);
});
