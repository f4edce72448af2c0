/**
 * Mail scanners (Outlook Safe Links, corporate gateways) fetch every URL of an email. A crawler
 * that GETs every URL of every sent email (text and HTML parts), and every link of the pages it
 * gets, but never submits a form, acknowledges nothing (the URLs on the acknowledge page: the
 * ticket links of the example's details point outside, where a local run cannot go): no record changes while it crawls, no
 * SendTaskSuccess is ever called, and every case runs through its rounds to UNACKNOWLEDGED.
 */
import { recordOf, startAcknowledgementRun, until } from './acknowledgement-helpers';
import { openPage, urlsOfEmail } from '../../harness/acknowledge-client';
import type { StoredEmail } from '../../harness/local-aws';
import type { LocalRun } from '../../harness/local-run';
import { caseIdOfEmail } from '../../harness/summary';
import { CaseErrorName, CaseStatus } from '../../src/shared/contract';

const ROUNDS = 2;
const CASES = 5;

let run: LocalRun;
beforeAll(async () => {
  run = await startAcknowledgementRun({ maxRounds: ROUNDS });
}, 120_000);
afterAll(async () => {
  await run?.stop();
});

/** GETs a URL and the links of the page it gets (one level), never a form; returns the URLs fetched. */
async function crawl(url: string): Promise<string[]> {
  const fetched = [url];
  const page = await openPage(url).catch(() => undefined);
  for (const link of page?.links ?? []) {
    fetched.push(link);
    await openPage(link).catch(() => undefined);
  }
  return fetched;
}

test(`a GET-only crawler of every email's links acknowledges nothing: ${CASES} cases run through ${ROUNDS} rounds to UNACKNOWLEDGED`, async () => {
  const caseIds = Array.from({ length: CASES }, (_, i) => `crawl-${i + 1}`);
  const executions = Promise.all(caseIds.map((id) => run.workflow.run({ inputCaseID: id, details: { link: 'https://tickets.example.com/' + id } }, id)));
  const seen = new Set<string>();
  const fetched: string[] = [];
  const changed: string[] = [];
  let done = false;
  const crawlEmail = async (email: StoredEmail) => {
    const caseId = caseIdOfEmail(email)!;
    // Crawl while the round waits (its token stored), when nothing else may change the record.
    const before = await until(`${caseId} waiting for ${email.destination.to[0]}`, async () => {
      const r = await recordOf(run, caseId);
      return r?.ackTaskToken?.S && r.employeeEmail?.S === email.destination.to[0] ? r : undefined;
    });
    for (const url of urlsOfEmail(email).filter((u) => u.startsWith(run.workflow.functionUrl!))) fetched.push(...await crawl(url));
    if (JSON.stringify(await recordOf(run, caseId)) !== JSON.stringify(before)) changed.push(`${caseId} (${email.destination.to[0]})`);
  };
  const crawler = (async () => {
    const pending: Promise<void>[] = [];
    while (!done) {
      for (const email of await run.aws.emails()) {
        if (seen.has(email.messageId)) continue;
        seen.add(email.messageId);
        pending.push(crawlEmail(email));
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await Promise.all(pending);
  })();
  const outcomes = await executions;
  done = true;
  await crawler;
  // Once more, every link of every email, after the cases ended.
  for (const email of await run.aws.emails()) {
    for (const url of urlsOfEmail(email).filter((u) => u.startsWith(run.workflow.functionUrl!))) fetched.push(...await crawl(url));
  }

  expect(seen.size).toBe(CASES * ROUNDS);
  expect(fetched.length).toBeGreaterThanOrEqual(2 * CASES * ROUNDS);
  expect(changed).toEqual([]);
  expect(outcomes.map((o) => o.error)).toEqual(caseIds.map(() => CaseErrorName.CASE_UNACKNOWLEDGED));
  for (const id of caseIds) {
    const record = await recordOf(run, id);
    expect(record?.status?.S).toBe(CaseStatus.UNACKNOWLEDGED);
    expect(record?.acknowledgedAt).toBeUndefined();
  }
  expect(run.workflow.taskTokens.calls.filter((c) => c.action === 'SendTaskSuccess')).toEqual([]);
  // The page was asked, with GET only.
  const calls = run.workflow.functionUrls[0].calls;
  expect(calls.length).toBeGreaterThanOrEqual(CASES * ROUNDS);
  expect(new Set(calls.map((c) => c.method))).toEqual(new Set(['GET']));
}, 120_000);
