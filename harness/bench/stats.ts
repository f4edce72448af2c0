/** Small helpers of the benchmark: formatting, timing, clean-up (statistics and the pool: ../stats.ts). */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname } from 'node:path';

export { median, percentile, pool } from '../stats';


/** Rounds to `digits` decimals (for the JSON output). */
export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Milliseconds since an `process.hrtime.bigint()` reading. */
export function msSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** A plain-text table: the first row is the header, columns padded to their widest cell. */
export function formatTable(rows: readonly (readonly (string | number)[])[]): string {
  const cells = rows.map((r) => r.map(String));
  const widths = cells[0].map((_, c) => Math.max(...cells.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [line(cells[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}


/** Removes the temporary cloud assembly that startLocalRun() synthesized (never anything else). */
export function removeTempAssembly(dir: string): void {
  if (dirname(dir) === tmpdir() && basename(dir).startsWith('support-case-cdk-')) rmSync(dir, { recursive: true, force: true });
}
