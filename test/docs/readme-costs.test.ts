import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { EmployeeRoster, SupportCaseWorkflow } from '../../src';
import { METRIC_NAMES } from '../../src/shared/contract';

/** Metrics only the acknowledgement's functions emit (the default stack has none of them). */
const ACKNOWLEDGEMENT_ONLY: (keyof typeof METRIC_NAMES)[] = [
  'CASES_ACKNOWLEDGED', 'TIME_TO_ACKNOWLEDGE', 'ACKNOWLEDGED_WITHIN_SLA', 'CASES_ESCALATED', 'CASES_UNACKNOWLEDGED',
];

// The README's monitoring costs count what the default stack creates: dashboards, alarms and the
// metrics the alarms read (an alarm on a metric math expression is billed per metric it reads).
test('the README\'s monitoring cost table counts the default stack\'s dashboard, alarms and alarm metrics', () => {
  const stack = new Stack(new App(), 'Costs');
  new SupportCaseWorkflow(stack, 'Support', {
    roster: EmployeeRoster.fromEmployees([{ id: 'e1', name: 'Ana', email: 'ana@example.com' }]),
    senderEmail: 'support@example.com',
  });
  const template = Template.fromStack(stack);
  const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
  const perAlarm = alarms.map((a) => (a.Properties.Metrics ? a.Properties.Metrics.filter((m: any) => m.MetricStat).length : 1));
  const alarmMetrics = perAlarm.reduce((a, b) => a + b, 0);
  const dashboards = Object.keys(template.findResources('AWS::CloudWatch::Dashboard')).length;

  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  expect(readme).toContain(`| dashboard (\`dashboardEnabled\`) | ${dashboards} | $3.00 per dashboard | $${(3 * dashboards).toFixed(2)} |`);
  expect(readme).toContain(`| ${alarms.length} alarms reading ${alarmMetrics} metrics (an alarm on a metric math expression counts each metric it reads: ${perAlarm.join(' + ')})`);
  expect(readme).toContain(`| $0.10 per alarm metric (standard resolution) | $${(0.1 * alarmMetrics).toFixed(2)} |`);

  // Every metric the handlers emit has the Workflow dimension; CasesAssigned also one per employee.
  const customMetrics = Object.keys(METRIC_NAMES).filter((k) => !ACKNOWLEDGEMENT_ONLY.includes(k as keyof typeof METRIC_NAMES)).length;
  expect(readme).toContain(`| ${customMetrics}, plus \`CasesAssigned\` per employee who gets cases |`);
  expect(readme).toContain(`| $${(0.3 * customMetrics).toFixed(2)} + $0.30 per employee |`);
  const total = 3 * dashboards + 0.1 * alarmMetrics + 0.3 * customMetrics;
  expect(readme).toContain(`| **$${total.toFixed(2)} + $0.30 per employee** |`);
});

test('the README\'s monitoring cost of acknowledgement counts what it adds to the default stack', () => {
  const count = (props: object) => {
    const stack = new Stack(new App(), 'Costs');
    const roster = EmployeeRoster.fromEmployees([{ id: 'e1', name: 'A', email: 'a@example.com' }]);
    new SupportCaseWorkflow(stack, 'Support', { roster, senderEmail: 's@example.com', ...props });
    const alarms = Object.values(Template.fromStack(stack).findResources('AWS::CloudWatch::Alarm'));
    const perAlarm = alarms.map((a) => (a.Properties.Metrics ? a.Properties.Metrics.filter((m: any) => m.MetricStat).length : 1));
    return { alarms: alarms.length, metrics: perAlarm.reduce((a, b) => a + b, 0) };
  };
  const off = count({});
  const on = count({ acknowledgement: {} });
  const alarms = on.alarms - off.alarms;
  const metrics = on.metrics - off.metrics;
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8').replace(/\s+/g, ' ');
  expect(readme).toContain(`With \`acknowledgement\`, monitoring adds ${alarms} alarms reading ${metrics} metrics ($${(0.1 * metrics).toFixed(2)}) and `
    + `${ACKNOWLEDGEMENT_ONLY.length} custom metrics ($${(0.3 * ACKNOWLEDGEMENT_ONLY.length).toFixed(2)}): `
    + `$${(0.1 * metrics + 0.3 * ACKNOWLEDGEMENT_ONLY.length).toFixed(2)} a month more.`);
});
