import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// scripts/check-ts-examples.mjs (build step examples:check-ts): the README's examples that build
// the workflow compile as pasted, with their own imports only. Runs against lib/ (compiled first).
const ROOT = join(__dirname, '..', '..');

function check(markdown: string): { status: number | null; output: string } {
  const file = join(mkdtempSync(join(tmpdir(), 'ts-examples-')), 'README.md');
  writeFileSync(file, markdown);
  const r = spawnSync('node', [join(ROOT, 'scripts', 'check-ts-examples.mjs'), file], { cwd: ROOT, encoding: 'utf8' });
  return { status: r.status, output: r.stdout + r.stderr };
}

const WORKFLOW = [
  'new SupportCaseWorkflow(this, \'Support\', {',
  '  roster: EmployeeRoster.fromEmployees([{ id: \'e1\', name: \'Ana\', email: \'ana@example.com\' }]),',
  '  senderEmail: \'support@example.com\',',
  '  alarmTopic: new sns.Topic(this, \'OnCall\'),',
  '});',
].join('\n');
const IMPORTS = 'import { EmployeeRoster, SupportCaseWorkflow } from \'support-case-workflow\';';

test('an example with its imports passes; one missing an import, or without a fixture mark, is named by its README line', () => {
  const lines = [
    'Intro', '', '```ts fixture=stack', IMPORTS, 'import * as sns from \'aws-cdk-lib/aws-sns\';', '', WORKFLOW, '```', '',
    '```ts fixture=stack', IMPORTS, '', WORKFLOW, '```', '',
    '```ts', WORKFLOW, '```', '',
    '```ts', 'const notAWorkflow = 1;', '```', '',
  ].join('\n').split('\n');
  const r = check(lines.join('\n'));
  // README lines are 1-based: the second example's code starts at line 15, its sns.Topic is on line 20.
  expect(lines[14]).toBe(IMPORTS);
  expect(lines[19]).toContain('sns.Topic');
  expect(r.output).toMatch(/README\.md:20 \(the example at line 15\): TS2304: Cannot find name 'sns'\./);
  expect(r.output).toMatch(/README\.md:25: an example that builds the workflow must show its imports/);
  expect(r.output).not.toContain('the example at line 4)');
  expect(r.output).toContain('2 problem(s) in the 3 examples that build the workflow');
  expect(r.status).toBe(1);
});
