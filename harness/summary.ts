/**
 * What a batch of cases left behind, counted from the local servers themselves: the emails
 * the SES emulator holds and the records in the case table.
 */
import type { ExecutionOutcome, LocalWorkflow } from './local/workflow';
import type { LocalAws, StoredEmail } from './local-aws';
import { CaseStatus } from '../src/shared/contract';
import { caseIdFromMessageTags } from '../src/shared/message-tags';

export interface BatchSummary {
  readonly cases: number;
  readonly succeeded: number;
  readonly failed: number;
  /** Emails the SES emulator holds for these cases. */
  readonly emails: number;
  /** Case records in the table for these cases. */
  readonly records: number;
  /** Cases with more than one email in a round (a case never escalated has one round), or more than one record. */
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
  /** With acknowledgement on: how the cases ended, and emails per round. */
  readonly acknowledgement?: AcknowledgementSummary;
}

/** What a batch with acknowledgement on ended with. */
export interface AcknowledgementSummary {
  /** Records ACKNOWLEDGED. */
  readonly acknowledged: number;
  /** Cases escalated at least once (whatever their end). */
  readonly escalated: number;
  /** Records UNACKNOWLEDGED (every round ran out). */
  readonly unacknowledged: number;
  /** Rounds the cases had, in all (a case's first assignment is its round 1). */
  readonly rounds: number;
  /** Cases by how many rounds they had. */
  readonly roundsHistogram: Record<number, number>;
  /** The most emails any one round got. */
  readonly maxEmailsPerRound: number;
}

/** What the summary needs to know beyond the servers. */
export interface SummaryOptions {
  /** The run has acknowledgement on: count its outcomes. */
  readonly acknowledgement?: boolean;
  /** The roster (employee id to email address): which round an email of an escalated case belongs to. */
  readonly roster?: readonly { readonly id: string; readonly email: string }[];
}

/** One round of a case, from its record: who had it, and the resends counted for it. */
export interface CaseRound {
  readonly employeeId?: string;
  readonly email?: string;
  readonly resends: number;
}

/**
 * A case's rounds, oldest first: its escalated rounds (the record's `escalations`) and the current
 * one. A case that was never escalated has one round: the record itself.
 */
export function roundsOf(record: Record<string, any>, emailOf: (employeeId: string) => string | undefined = () => undefined): CaseRound[] {
  const earlier = (record.escalations?.L ?? []).map((e: any) => ({
    employeeId: e.M?.employeeId?.S,
    email: e.M?.employeeId?.S === undefined ? undefined : emailOf(e.M.employeeId.S),
    resends: Number(e.M?.emailAmbiguousResends?.N ?? 0),
  }));
  return [...earlier, { employeeId: record.employeeId?.S, email: record.employeeEmail?.S, resends: Number(record.emailAmbiguousResends?.N ?? 0) }];
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
  options: SummaryOptions = {},
): Promise<BatchSummary> {
  const emailOf = (id: string) => options.roster?.find((e) => e.id === id)?.email;
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
  const ack = { acknowledged: 0, escalated: 0, unacknowledged: 0, rounds: 0, roundsHistogram: {} as Record<number, number>, maxEmailsPerRound: 0 };
  for (const id of ours) {
    const emails = emailsByCase.get(id) ?? [];
    const records = recordsByCase.get(id) ?? [];
    let duplicate = records.length > 1 || (records.length === 0 && emails.length > 1);
    if (emails.length === 0) unemailed++;
    let uncountedCase = records.length === 0 && emails.length > 1;
    for (const r of records) {
      const rounds = roundsOf(r, emailOf);
      // Each round's emails go to that round's employee (escalation never asks anyone twice).
      for (const round of rounds) {
        const sent = emails.filter((e) => round.email !== undefined && e.destination.to.includes(round.email)).length;
        if (sent > 1 + round.resends) uncountedCase = true;
        if (sent > 1) duplicate = true;
        ack.maxEmailsPerRound = Math.max(ack.maxEmailsPerRound, sent);
        resends += round.resends;
      }
      if (rounds.some((round) => round.resends > 0)) ambiguous++;
      takeovers += Number(r.emailTakeovers?.N ?? 0);
      perEmployee[r.employeeId.S] = (perEmployee[r.employeeId.S] ?? 0) + 1;
      misaddressed += emails.filter((e) => !rounds.some((round) => round.email !== undefined && e.destination.to.includes(round.email))).length;
      ack.rounds += rounds.length;
      ack.roundsHistogram[rounds.length] = (ack.roundsHistogram[rounds.length] ?? 0) + 1;
      if (rounds.length > 1) ack.escalated++;
      if (r.status?.S === CaseStatus.ACKNOWLEDGED) ack.acknowledged++;
      if (r.status?.S === CaseStatus.UNACKNOWLEDGED) ack.unacknowledged++;
    }
    if (uncountedCase) uncounted++;
    if (duplicate) duplicates++;
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
    ...(options.acknowledgement ? { acknowledgement: ack } : {}),
  };
}

/** The demo's last line (with acknowledgement on, how the cases ended and emails per case and round). */
export function summaryLine(s: BatchSummary): string {
  const line = `summary: cases=${s.cases} succeeded=${s.succeeded} failed=${s.failed} emails=${s.emails} records=${s.records} duplicates=${s.duplicates} ambiguous=${s.ambiguous} takeovers=${s.takeovers} resends=${s.resends} uncounted=${s.uncounted}`;
  const a = s.acknowledgement;
  if (!a) return line;
  const histogram = Object.entries(a.roundsHistogram).map(([rounds, n]) => `${rounds}:${n}`).join(',');
  return `${line} acknowledged=${a.acknowledged} escalated=${a.escalated} unacknowledged=${a.unacknowledged}`
    + ` emailsPerCase=${(s.emails / Math.max(1, s.cases)).toFixed(2)} emailsPerRound=${(s.emails / Math.max(1, a.rounds)).toFixed(2)}`
    + ` maxEmailsPerRound=${a.maxEmailsPerRound} rounds=${histogram}`;
}
