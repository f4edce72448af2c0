/**
 * Answers that break on the way back, through the synthesized workflow and the bundled
 * handlers (run in Node's realm, as on Lambda: see `loadFresh` in harness/local/sandbox.ts).
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

/** The handlers' JSON log lines written while `body` runs (not shown). */
async function captureLogs<T>(body: () => Promise<T>): Promise<{ result: T; lines: Record<string, unknown>[] }> {
  const lines: Record<string, unknown>[] = [];
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((st) => st.write);
  for (const st of streams) {
    st.write = ((chunk: unknown, ...rest: unknown[]) => {
      const text = String(chunk);
      if (!text.startsWith('{')) return (originals[streams.indexOf(st)] as any).call(st, chunk, ...rest);
      for (const line of text.split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      return true;
    }) as typeof st.write;
  }
  try {
    return { result: await body(), lines };
  } finally {
    streams.forEach((st, k) => { st.write = originals[k]; });
  }
}

describe('broken answers', () => {
  test('SES accepts the email and its 200 answer is cut mid-body: the handler sees status 200, the email counts as possibly sent', () => withRun({
    sesPlan: [{ operation: 'SendEmail', kind: 'cut-answer', count: 1 }],
    logLevel: 'WARN',
  }, async (run) => {
    const { result: outcome, lines } = await captureLogs(() => run.workflow.run({ inputCaseID: '1701' }));
    const noAnswer = lines.find((l) => l.step === 'Send Email' && String(l.message).startsWith('SES gave no definite answer'));
    expect(noAnswer).toMatchObject({ httpStatusCode: 200, errorCode: 'ECONNRESET' });
    expect(outcome.status).toBe('SUCCEEDED');
    const emails = await run.aws.emails();
    expect(emails).toHaveLength(2);
    const [record] = await run.workflow.records();
    expect(record).toMatchObject({ status: { S: 'EMAILED' }, emailStatus: { S: 'SENT' }, emailAmbiguousResends: { N: '1' } });
    expect(outcome.output.messageId).toBe(record.messageId.S);
  }));

  test('a DynamoDB answer cut mid-body (the claim written, its 200 answer cut) is retried, not a failed case', () => withRun({
    // The claim UpdateItem and the writes after it: carried out, their answers cut, more times than the SDK tries.
    dynamodbPlan: [{ operation: 'UpdateItem', kind: 'cut-answer', count: 8 }],
  }, async (run) => {
    const outcome = await run.workflow.run({ inputCaseID: '1702' });
    expect(run.proxies.dynamodb!.injected['cut-answer']).toBe(8);
    expect(outcome.status).toBe('SUCCEEDED');
    expect(outcome.retriesByState['Send Email']).toBeGreaterThanOrEqual(1);
    expect(await run.aws.emails()).toHaveLength(1);
    expect((await run.workflow.records())[0]).toMatchObject({ status: { S: 'EMAILED' }, emailStatus: { S: 'SENT' } });
  }));

  test('SES refuses with a throttle whose answer is cut: not taken for a refusal, the send counts as possible', () => withRun({
    sesPlan: [{ operation: 'SendEmail', kind: 'cut-refusal', count: 1 }],
  }, async (run) => {
    const outcome = await run.workflow.run({ inputCaseID: '1703' });
    expect(outcome.status).toBe('SUCCEEDED');
    expect(await run.aws.emails()).toHaveLength(1);
    expect((await run.workflow.records())[0]).toMatchObject({ emailStatus: { S: 'SENT' }, emailAmbiguousResends: { N: '1' } });
  }));

  test('Lambda loses the answer of a failed invocation too: the step is retried as for any lost answer', () => {
    let lost = 0;
    const lambdaFaults = (state: string) => (state === 'Send Email' && lost++ === 0 ? 'after:Lambda.ServiceException' : undefined);
    return withRun({ lambdaFaults, sesPlan: [{ operation: 'SendEmail', kind: 'reject', count: 1 }] }, async (run) => {
      const outcome = await run.workflow.run({ inputCaseID: '1704' });
      // The handler threw EmailRejected; Lambda's answer carrying it was lost, so the state machine saw a service error.
      expect(outcome.retriesByState['Send Email']).toBe(1);
      expect(outcome.status).toBe('SUCCEEDED');
      expect(await run.aws.emails()).toHaveLength(1);
    });
  });
});
