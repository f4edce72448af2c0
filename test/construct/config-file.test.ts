/** synth leaves no temporary folder behind (each held a copy of the roster or the templates). */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { SupportCaseWorkflow } from '../../src';
import { TEST_ROSTER } from '../template-helpers';

test('synth removes its support-case-config folders, and the layers still hold their files', () => {
  const privateTmp = mkdtempSync(join(tmpdir(), 'config-file-test-'));
  // Only this test's folders land there (other processes use /tmp too).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const spy = jest.spyOn(require('node:os') as { tmpdir: () => string }, 'tmpdir').mockReturnValue(privateTmp);
  try {
    const app = new App({ context: { 'aws:cdk:enable-asset-metadata': true } });
    const stack = new Stack(app, 'C');
    new SupportCaseWorkflow(stack, 'Support', { roster: TEST_ROSTER, senderEmail: 'support@example.com', emailTemplate: { subject: 'Case {{caseId}}' } });
    const template = Template.fromStack(stack);
    expect(readdirSync(privateTmp).filter((f) => f.startsWith('support-case-config-'))).toEqual([]);
    const layers = Object.values<any>(template.findResources('AWS::Lambda::LayerVersion'));
    expect(layers).toHaveLength(2);
    const files = layers.map((l) => {
      const folder = join(app.outdir, l.Metadata['aws:asset:path'], 'support-case-workflow');
      return readdirSync(folder).map((f) => JSON.parse(readFileSync(join(folder, f), 'utf8')));
    }).flat();
    expect(files).toEqual(expect.arrayContaining([{ roster: expect.any(Array) }, { templates: { subject: 'Case {{caseId}}' } }]));
  } finally {
    spy.mockRestore();
    rmSync(privateTmp, { recursive: true, force: true });
  }
});
