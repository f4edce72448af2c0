/**
 * Exactly one email, and a record that tells the truth, on the paths of the email protocol that
 * involve the state machine itself, through the synthesized workflow (state machine, bundled
 * handlers, local DynamoDB and SES behind fault proxies).
 */
import { synthExample, SynthesizedExample } from '../../harness/example-app';
import { LocalRun, LocalRunOptions, withLocalRun } from '../../harness/local-run';

let synthesized: SynthesizedExample;
beforeAll(() => {
  synthesized = synthExample();
});

function withRun<T>(options: LocalRunOptions, body: (run: LocalRun) => Promise<T>): Promise<T> {
  return withLocalRun({ synthesized, ...options }, body);
}

describe('one email and a true record on the state machine\'s own paths', () => {
  test('SES accepted the email and recording it failed: the state machine records it; one email, the execution succeeds', () => withRun({
    // Send Email's claim passes; its SENT write fails through the SDK's attempts; Record Sent Email's first try too.
    dynamodbPlan: [{ operation: 'UpdateItem', kind: 'pass', count: 1 }, { operation: 'UpdateItem', kind: 'server-error', count: 6 }],
  }, async (run) => {
    const outcome = await run.workflow.run({ inputCaseID: '301' });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(outcome.statesEntered).toEqual([
      'Open Case', 'Assign Case', 'Send Email', 'Email Sent Not Recorded', 'Read Sent Email', 'Record Sent Email', 'Email Recorded', 'Sent Email Result',
    ]);
    const emails = await run.aws.emails();
    expect(emails).toHaveLength(1);
    // the same output as Send Email's own, though the error carried ids only
    const [assignee] = emails[0].destination.to;
    expect(outcome.output).toEqual({
      caseId: '301', employee: expect.objectContaining({ email: assignee }), messageId: emails[0].messageId, assignedAt: expect.any(String), emailedAt: expect.any(String),
    });
    const [record] = await run.workflow.records();
    expect(record).toMatchObject({ status: { S: 'EMAILED' }, emailStatus: { S: 'SENT' }, messageId: { S: emails[0].messageId } });
    // another execution of the case now sends nothing
    const again = await run.workflow.run({ inputCaseID: '301' });
    expect(again.output.messageId).toBe(emails[0].messageId);
    expect(await run.aws.emails()).toHaveLength(1);
  }));

  test('the same with details: the output built by the state machine carries them, as Send Email\'s would', () => withRun({
    dynamodbPlan: [{ operation: 'UpdateItem', kind: 'pass', count: 1 }, { operation: 'UpdateItem', kind: 'server-error', count: 6 }],
  }, async (run) => {
    const details = { title: 'Printer jam', link: 'https://tickets.example.com/303' };
    const outcome = await run.workflow.run({ inputCaseID: '303', details });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(outcome.statesEntered.slice(-2)).toEqual(['Email Recorded', 'Sent Email Result With Details']);
    const [email] = await run.aws.emails();
    expect(outcome.output).toMatchObject({ caseId: '303', messageId: email.messageId, details });
  }));

  test('a second opening with other details fails with CaseConflict; the first case is untouched, not marked FAILED', () => withRun({}, async (run) => {
    const first = await run.workflow.run({ inputCaseID: '304', details: { title: 'first' } });
    expect(first.status).toBe('SUCCEEDED');
    const [before] = await run.workflow.records();
    const second = await run.workflow.run({ inputCaseID: '304', details: { title: 'URGENT: reset your password' } });
    expect(second).toMatchObject({ status: 'FAILED', error: 'CaseConflict' });
    expect(second.statesEntered).not.toContain('Record Failure');
    expect(await run.workflow.records()).toEqual([before]);
    expect(await run.aws.emails()).toHaveLength(1);
  }));

  test('the sent email was recorded but every answer was lost: Record Sent Email finds it recorded and succeeds', () => withRun({
    // Send Email's claim passes; its SENT write is carried out but every answer is lost (the SDK's
    // attempts, then the state machine's first tries): the record already holds this message id.
    dynamodbPlan: [{ operation: 'UpdateItem', kind: 'pass', count: 1 }, { operation: 'UpdateItem', kind: 'lost-answer', count: 6 }],
  }, async (run) => {
    const outcome = await run.workflow.run({ inputCaseID: '302' });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(outcome.statesEntered).toContain('Record Sent Email');
    const emails = await run.aws.emails();
    expect(emails).toHaveLength(1);
    expect(outcome.output.messageId).toBe(emails[0].messageId);
    expect((await run.workflow.records())[0]).toMatchObject({ status: { S: 'EMAILED' }, emailStatus: { S: 'SENT' }, messageId: { S: emails[0].messageId } });
  }));

  test('a case that failed (killed function) and is re-run ends EMAILED without its old failureError', () => {
    let kills = 0;
    // Assign Case writes the record, then its function is killed, three times: the execution fails.
    const lambdaFaults = (state: string) => (state === 'Assign Case' && kills++ < 3 ? 'after:Lambda.Unknown' : undefined);
    return withRun({ lambdaFaults }, async (run) => {
      const failed = await run.workflow.run({ inputCaseID: '501' });
      expect(failed).toMatchObject({ status: 'FAILED', error: 'Lambda.Unknown' });
      expect((await run.workflow.records())[0]).toMatchObject({ status: { S: 'FAILED' }, failureError: { S: 'Lambda.Unknown' } });
      const rerun = await run.workflow.run({ inputCaseID: '501' });
      expect(rerun.status).toBe('SUCCEEDED');
      const [record] = await run.workflow.records();
      expect(record).toMatchObject({ status: { S: 'EMAILED' }, emailStatus: { S: 'SENT' } });
      expect(record.failureError).toBeUndefined();
    });
  });

  test('a row the workflow did not write: UnrecognizedCaseRecord at once, the row left as it was', () => withRun({}, async (run) => {
    const foreign = { caseId: { S: '701' }, owner: { S: 'another system' } };
    await run.workflow.putItem(run.workflow.tableName, foreign);
    const outcome = await run.workflow.run({ inputCaseID: '701' });
    expect(outcome).toMatchObject({ status: 'FAILED', error: 'UnrecognizedCaseRecord', retries: 0 });
    expect(await run.workflow.records()).toEqual([foreign]);
    expect(await run.aws.emails()).toHaveLength(0);
  }));
});
