/**
 * What the acknowledgement's end-to-end tests share: a local run with acknowledgement on, and
 * waiting for a case's emails and record.
 */
import { acknowledgeLinks } from '../../harness/acknowledge-client';
import { EXAMPLE_ROSTER, synthExample } from '../../harness/example-app';
import type { StoredEmail } from '../../harness/local-aws';
import { LocalRun, LocalRunOptions, startLocalRun } from '../../harness/local-run';
import { caseIdOfEmail } from '../../harness/summary';

/** A round's wait, in AWS seconds (3 s real at the default time scale of 20). */
export const ESCALATE_AFTER_SECONDS = 60;
export const MAX_ROUNDS = 3;

/** Starts a local run with acknowledgement on. */
export function startAcknowledgementRun(
  options: Partial<LocalRunOptions> & { maxRounds?: number; escalateAfterSeconds?: number } = {},
): Promise<LocalRun> {
  const acknowledgement = {
    escalateAfterSeconds: options.escalateAfterSeconds ?? ESCALATE_AFTER_SECONDS,
    maxRounds: options.maxRounds ?? MAX_ROUNDS,
  };
  return startLocalRun({ ...options, synthesized: options.synthesized ?? synthExample({ acknowledgement }) });
}

export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The case's emails, in the order SES got them. */
export async function emailsOf(run: LocalRun, caseId: string): Promise<StoredEmail[]> {
  return (await run.aws.emails()).filter((e) => caseIdOfEmail(e) === caseId).sort((a, b) => a.at - b.at);
}

/** Waits for the case's n-th email (1-based). */
export function nthEmail(run: LocalRun, caseId: string, n: number): Promise<StoredEmail> {
  return until(`email ${n} of case ${caseId}`, async () => (await emailsOf(run, caseId))[n - 1]);
}

/** The case's record (DynamoDB's JSON), or undefined. */
export async function recordOf(run: LocalRun, caseId: string): Promise<Record<string, any> | undefined> {
  return (await run.workflow.records()).find((r) => r.caseId?.S === caseId);
}

/** Waits until the round's Wait For Acknowledgement has stored its token (the round is waiting). */
export function waiting(run: LocalRun, caseId: string): Promise<Record<string, any>> {
  return until(`case ${caseId} waiting for its acknowledgement`, async () => {
    const r = await recordOf(run, caseId);
    return r?.ackTaskToken?.S ? r : undefined;
  });
}

/** The email's acknowledge link (exactly one). */
export function linkOf(run: LocalRun, email: StoredEmail): string {
  const links = acknowledgeLinks(email, run.workflow.functionUrl!);
  if (links.length === 0) throw new Error(`no acknowledge link in the email to ${email.destination.to}`);
  return links[0];
}

/** The example roster's employee with this email address. */
export function employeeByEmail(address: string) {
  return EXAMPLE_ROSTER.find((e) => e.email === address);
}
