/** The README's table of what acknowledgement adds to the dashboard is the one generated from the synthesized dashboard. */
import { readFileSync } from 'node:fs';
import { DASHBOARD_UPDATE_COMMAND } from '../../harness/dashboard';
import { acknowledgementDashboardTable, addedRows, renderReadmeAcknowledgementDashboard } from '../../harness/dashboard-acknowledgement';
import { README_PATH } from '../../harness/readme-section';

describe('README table of the acknowledgement dashboard', () => {
  let generated: string;
  beforeAll(() => {
    generated = acknowledgementDashboardTable();
  });

  test(`is the one generated from the dashboard synthesized with acknowledgement (to update: ${DASHBOARD_UPDATE_COMMAND})`, () => {
    const readme = readFileSync(README_PATH, 'utf8');
    expect(renderReadmeAcknowledgementDashboard(readme, generated)).toBe(readme);
  });

  test('lists the graphs acknowledgement adds and the alarm widget it changes, nothing else', () => {
    const rows = generated.trimEnd().split('\n').slice(2).map((r) => r.split(' | ')[0].replace(/^\| /, ''));
    expect(rows).toEqual(['Acknowledgements', 'Time to acknowledge (p50, p90)', 'Acknowledgement errors', 'Alarms']);
    expect(generated).toContain('`SupportCaseWorkflow` `TimeToAcknowledge` by Workflow (p90)');
    expect(generated).toContain('CasesUnacknowledged ≥ 1');
  });

  test('addedRows keeps the header and the rows that differ', () => {
    const header = '| a | b |\n| --- | --- |';
    expect(addedRows(`${header}\n| x | 1 |\n`, `${header}\n| x | 1 |\n| y | 2 |\n`)).toBe(`${header}\n| y | 2 |\n`);
  });
});
