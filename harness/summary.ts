/**
 * What a batch of cases left behind, counted from the local servers themselves: the emails
 * the SES emulator holds and the records in the case table.
 */
import type { ExecutionOutcome, LocalWorkflow } from './local/workflow';
import type { LocalAws, StoredEmail } from './local-aws';
import { caseIdFromMessageTags } from '../src/shared/message-tags';

export interface BatchSummary {
  readonly cases: number;
  readonly succeeded: number;
  readonly failed: number;
  /** Emails the SES emulator holds for these cases. */
  readonly emails: number;
  /** Case records in the table for these cases. */
  readonly records: number;
  /** Cases with more than one email or more than one record. */
  readonly duplicates: number;
  /** Cases whose email was sent again after an attempt ended with an unknown SES outcome. */
  readonly ambiguous: number;
  /** Email claims taken over after their lease or own-attempt lease ran out (sum of `emailTakeovers`). */
  readonly takeovers: number;
  /** Resends counted on the records (sum of `emailAmbiguousResends`). */
  readonly resends: number;
  /** Cases with more emails than 1 + the resends counted on their record: must be 0. */
  readonly uncounted: number;
  /** Cases with no email at all. */
  readonly unemailed: number;
  /** Emails addressed to someone other than the employee recorded for the case. */
  readonly misaddressed: number;
  /** Cases per employee id, from the records. */
  readonly perEmployee: Record<string, number>;
}

/**
 * The case id an email is about, from the message tag that Send Email sets (never from the
 * subject: the team's template decides what that says).
 */
export function caseIdOfEmail(email: StoredEmail): string | undefined {
  return caseIdFromMessageTags(email.tags);
}

export async function summarize(
  caseIds: readonly string[],
  outcomes: readonly ExecutionOutcome[],
  workflow: LocalWorkflow,
  aws: LocalAws,
): Promise<BatchSummary> {
  const ours = new Set(caseIds);
  const emailsByCase = new Map<string, StoredEmail[]>();
  for (const email of await aws.emails()) {
    const id = caseIdOfEmail(email);
    if (id && ours.has(id)) emailsByCase.set(id, [...(emailsByCase.get(id) ?? []), email]);
  }
  const recordsByCase = new Map<string, Record<string, any>[]>();
  for (const item of await workflow.records()) {
    const id = item.caseId?.S;
    if (id && ours.has(id)) recordsByCase.set(id, [...(recordsByCase.get(id) ?? []), item]);
  }
  let duplicates = 0;
  let ambiguous = 0;
  let resends = 0;
  let takeovers = 0;
  let uncounted = 0;
  let unemailed = 0;
  let misaddressed = 0;
  const perEmployee: Record<string, number> = {};
  for (const id of ours) {
    const emails = emailsByCase.get(id) ?? [];
    const records = recordsByCase.get(id) ?? [];
    if (emails.length > 1 || records.length > 1) duplicates++;
    if (emails.length === 0) unemailed++;
    const counted = records.reduce((n, r) => n + Number(r.emailAmbiguousResends?.N ?? 0), 0);
    resends += counted;
    if (emails.length > 1 + counted) uncounted++;
    for (const r of records) {
      if (Number(r.emailAmbiguousResends?.N ?? 0) > 0) ambiguous++;
      takeovers += Number(r.emailTakeovers?.N ?? 0);
      perEmployee[r.employeeId.S] = (perEmployee[r.employeeId.S] ?? 0) + 1;
      misaddressed += emails.filter((e) => !e.destination.to.includes(r.employeeEmail.S)).length;
    }
  }
  return {
    cases: caseIds.length,
    succeeded: outcomes.filter((o) => o.status === 'SUCCEEDED').length,
    failed: outcomes.filter((o) => o.status !== 'SUCCEEDED').length,
    emails: [...emailsByCase.values()].reduce((n, list) => n + list.length, 0),
    records: [...recordsByCase.values()].reduce((n, list) => n + list.length, 0),
    duplicates,
    ambiguous,
    takeovers,
    resends,
    uncounted,
    unemailed,
    misaddressed,
    perEmployee,
  };
}

/** The demo's last line. */
export function summaryLine(s: BatchSummary): string {
  return `summary: cases=${s.cases} succeeded=${s.succeeded} failed=${s.failed} emails=${s.emails} records=${s.records} duplicates=${s.duplicates} ambiguous=${s.ambiguous} takeovers=${s.takeovers} resends=${s.resends} uncounted=${s.uncounted}`;
}
