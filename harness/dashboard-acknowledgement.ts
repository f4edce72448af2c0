/**
 * The README's table of what `acknowledgement` adds to the dashboard: the widgets of the example
 * stack synthesized with acknowledgement on that differ from the default dashboard's (new graphs,
 * and the alarm widget with the new alarms), so that the README's picture of it cannot drift.
 *
 *   ts-node harness/dashboard-acknowledgement.ts [--write | --check]   (as harness/dashboard.ts)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DASHBOARD_UPDATE_COMMAND, dashboardTable } from './dashboard';
import { synthExample } from './example-app';
import { markerPositions, runIfMain } from './readme-section';

export const ACK_DASHBOARD_START_MARKER = '<!-- dashboard-acknowledgement:start -->';
export const ACK_DASHBOARD_END_MARKER = '<!-- dashboard-acknowledgement:end -->';

/** The example's acknowledgement settings for the table (the construct's defaults). */
const ACKNOWLEDGEMENT = { escalateAfterSeconds: 900, maxRounds: 3 };

/** The rows of `withAck` that are not rows of `without`, under the same header. */
export function addedRows(without: string, withAck: string): string {
  const known = new Set(without.trimEnd().split('\n'));
  const [header, rule, ...rows] = withAck.trimEnd().split('\n');
  return [header, rule, ...rows.filter((r) => !known.has(r))].join('\n') + '\n';
}

/** The table of the widgets acknowledgement adds or changes. */
export function acknowledgementDashboardTable(): string {
  const tables = [{}, { acknowledgement: ACKNOWLEDGEMENT }].map((options) => {
    const outdir = mkdtempSync(join(tmpdir(), 'support-case-dashboard-'));
    try {
      return dashboardTable(synthExample(options, outdir).template);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
  return addedRows(tables[0], tables[1]);
}

/** `readme` with the text between the markers replaced by `table`. */
export function renderReadmeAcknowledgementDashboard(readme: string, table: string): string {
  const { start, end } = markerPositions(readme, ACK_DASHBOARD_START_MARKER, ACK_DASHBOARD_END_MARKER);
  const block = [
    '',
    `<!-- Generated from the dashboard synthesized with acknowledgement by harness/dashboard-acknowledgement.ts (\`${DASHBOARD_UPDATE_COMMAND}\`): do not edit by hand. -->`,
    '',
    table.trimEnd(),
    '',
  ].join('\n');
  return readme.slice(0, start + ACK_DASHBOARD_START_MARKER.length) + block + readme.slice(end);
}

runIfMain(module, {
  what: 'acknowledgement dashboard table',
  updateCommand: DASHBOARD_UPDATE_COMMAND,
  generate: acknowledgementDashboardTable,
  render: renderReadmeAcknowledgementDashboard,
});
