import { readFileSync } from 'node:fs';
import {
  DASHBOARD_END_MARKER,
  DASHBOARD_START_MARKER,
  DASHBOARD_UPDATE_COMMAND,
  exampleDashboardTable,
  readmeDashboard,
  renderReadmeDashboard,
} from '../../harness/dashboard';
import { README_PATH } from '../../harness/readme-section';

describe('README dashboard table', () => {
  const readme = readFileSync(README_PATH, 'utf8');
  let generated: string;
  beforeAll(() => {
    generated = exampleDashboardTable();
  });

  test(`is the one generated from the synthesized dashboard (to update: ${DASHBOARD_UPDATE_COMMAND})`, () => {
    const inReadme = readmeDashboard(readme);
    if (inReadme === undefined) {
      throw new Error(`README.md must hold the markers ${DASHBOARD_START_MARKER} and ${DASHBOARD_END_MARKER} with the table between them: run \`${DASHBOARD_UPDATE_COMMAND}\`.`);
    }
    expect(inReadme).toBe(generated);
    expect(renderReadmeDashboard(readme, generated)).toBe(readme);
  });

  test('lists every widget with what it shows, and no account-specific names', () => {
    const rows = generated.trimEnd().split('\n').slice(2).map((r) => r.split(' | ')[0].replace(/^\| /, ''));
    expect(rows).toEqual([
      'Executions', 'Execution time (p50, p99)', 'Emails', 'Step duration (p50, p99)', 'Step errors', 'Cases assigned per employee', 'Alarms',
    ]);
    expect(generated).toContain('`SupportCaseWorkflow` `EmailsThrottled` by Workflow (Sum)');
    expect(generated).toContain('one line per EmployeeId: `SupportCaseWorkflow` `CasesAssigned` (Sum)');
    expect(generated).toContain('Send Email p99 — `AWS/Lambda` `Duration` by FunctionName (p99)');
    expect(generated).toContain('Emails throttled by SES or queued for a send slot ≥ 1 (3 × 5 min)');
    expect(generated).not.toMatch(/arn:aws|123456789012|SupportCaseExample/);
  });

  test('a README whose table differs is found out', () => {
    const stale = renderReadmeDashboard(`x\n${DASHBOARD_START_MARKER}\n${DASHBOARD_END_MARKER}\n`, '| widget | type | shows |\n| --- | --- | --- |\n| Old | graph | x |\n');
    expect(readmeDashboard(stale)).not.toBe(generated);
  });
});
