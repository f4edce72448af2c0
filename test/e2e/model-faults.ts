/**
 * The faults the model-based tests draw (email-protocol.model.test.ts, acknowledgement.model.test.ts):
 * per-request faults of DynamoDB and SES aimed at one case, Lambda faults per state and attempt,
 * and the handlers' log lines that tell the takeovers and the unanswered sends the model allows for.
 */
import * as fc from 'fast-check';
import type { PlannedFault } from '../../harness/fault-proxy';
import type { LocalRun } from '../../harness/local-run';

export type Service = 'dynamodb' | 'ses';
export interface RequestFault {
  readonly service: Service;
  readonly operation: string;
  /** Requests of that operation (for this case) let through before the fault. */
  readonly skip: number;
  readonly kind: string;
  readonly count: number;
}
export interface LambdaFault {
  readonly state: string;
  readonly attempt: number;
  readonly fault: string;
}

export const dynamodbFault: fc.Arbitrary<RequestFault> = fc.record({
  service: fc.constant<Service>('dynamodb'),
  operation: fc.constantFrom('PutItem', 'UpdateItem', 'GetItem'),
  skip: fc.nat(4),
  kind: fc.constantFrom('server-error', 'throttle', 'reset', 'lost-answer', 'no-answer', 'cut-answer', 'cut-refusal'),
  count: fc.integer({ min: 1, max: 4 }),
});
export const sesFault: fc.Arbitrary<RequestFault> = fc.record({
  service: fc.constant<Service>('ses'),
  operation: fc.constant('SendEmail'),
  skip: fc.nat(2),
  kind: fc.constantFrom('lost-answer', 'lost-answer', 'no-answer', 'throttle', 'server-error', 'reset', 'reject', 'cut-answer', 'cut-refusal'),
  count: fc.integer({ min: 1, max: 3 }),
});
/** Lambda faults of these states (a state listed twice is drawn twice as often). */
export function lambdaFaultOf(states: readonly string[]): fc.Arbitrary<LambdaFault> {
  return fc.record({
    state: fc.constantFrom(...states),
    attempt: fc.integer({ min: 1, max: 4 }),
    // `after:` faults lose the answer of a succeeded or a failed invocation alike.
    fault: fc.constantFrom('Lambda.ServiceException', 'after:Lambda.ServiceException', 'after:Lambda.ClientExecutionTimeoutException', 'after:Lambda.Unknown'),
  });
}

/** Aims the request faults at the case's requests at the fault proxies. */
export function injectRequestFaults(run: LocalRun, caseId: string, requests: readonly RequestFault[]): void {
  for (const r of requests) {
    const proxy = run.proxies[r.service]!;
    const at = { operation: r.operation, caseId };
    if (r.skip > 0) proxy.inject({ ...at, kind: 'pass', count: r.skip } as PlannedFault);
    proxy.inject({ ...at, kind: r.kind, count: r.count } as PlannedFault);
  }
}

/** Handler log lines (JSON on stdout/stderr) per case, for the takeovers the model must allow for. */
export function captureTakeovers(): { takeovers: Map<string, number>; unknownSends: Map<string, number>; stop: () => void } {
  const takeovers = new Map<string, number>();
  const unknownSends = new Map<string, number>();
  const streams = [process.stdout, process.stderr];
  const originals = streams.map((st) => st.write.bind(st));
  streams.forEach((st, k) => {
    st.write = ((chunk: unknown, ...rest: unknown[]) => {
      const text = String(chunk);
      if (text.startsWith('{')) { // the handlers' JSON lines: read, not shown
        for (const line of text.split('\n')) {
          // A send given up with no answer at all (no HTTP status: the invocation's deadline, a
          // request timeout of a loaded machine): SES may not have seen it, the handler cannot know.
          const unanswered = line.includes('SES gave no definite answer') && !line.includes('"httpStatusCode"');
          const counter = line.includes('taking over an email claim') ? takeovers : unanswered ? unknownSends : undefined;
          if (!counter) continue;
          const caseId = JSON.parse(line).caseId as string;
          counter.set(caseId, (counter.get(caseId) ?? 0) + 1);
        }
        return true;
      }
      return (originals[k] as (...a: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof st.write;
  });
  return { takeovers, unknownSends, stop: () => streams.forEach((st, k) => { st.write = originals[k] as typeof st.write; }) };
}
