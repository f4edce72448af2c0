/**
 * Least authority: a step trusts the case record, not its input. Whoever can invoke a function
 * or start an execution cannot borrow the Send Email role's SES right for another recipient or
 * other content, nor change the content of a case someone else opened.
 */
import { LocalHandlers, rejection, startLocalHandlers } from './local-handlers';
import { AssignedCase, CaseErrorName, ENV } from '../../src/shared/contract';

let h: LocalHandlers;
beforeAll(async () => {
  h = await startLocalHandlers();
});
afterAll(async () => h?.stop());

let seq = 0;
async function assigned(details?: Record<string, string>): Promise<AssignedCase> {
  return h.assignCase(await h.openCase({ inputCaseID: `la-${++seq}`, ...(details ? { details } : {}) }));
}

describe('Send Email builds the email from the claimed record', () => {
  test('a direct invocation naming another recipient: CaseConflict, nothing sent, record unchanged', async () => {
    const a = await assigned();
    const before = await h.record(a.caseId);
    const forged = { ...a, employee: { id: a.employee.id, name: a.employee.name, email: 'victim@outside.example' } };
    const err = await rejection(h.sendEmail({ case: forged, executionId: 'attacker' }));
    expect(err.name).toBe(CaseErrorName.CASE_CONFLICT);
    expect(err.message).toContain(a.caseId);
    expect(err.message).not.toContain('victim@outside.example');
    expect(await h.emailsFor(a.caseId)).toHaveLength(0);
    expect(await h.record(a.caseId)).toEqual(before);
    // the genuine execution still sends its one email, to the assignee
    await h.sendEmail({ case: a, executionId: 'genuine' });
    const emails = await h.emailsFor(a.caseId);
    expect(emails).toHaveLength(1);
    expect(emails[0].destination.to).toEqual([a.employee.email]);
  });

  test('other content (a phishing title and link) for the assignee: CaseConflict, nothing sent, record unchanged', async () => {
    const a = await assigned({ title: 'Printer jam' });
    const before = await h.record(a.caseId);
    const forged = { ...a, details: { title: 'URGENT: reset your password', link: 'https://evil.example/login' } };
    expect((await rejection(h.sendEmail({ case: forged, executionId: 'attacker' }))).name).toBe(CaseErrorName.CASE_CONFLICT);
    const dropped = { ...a, details: undefined };
    expect((await rejection(h.sendEmail({ case: dropped, executionId: 'attacker' }))).name).toBe(CaseErrorName.CASE_CONFLICT);
    expect(await h.emailsFor(a.caseId)).toHaveLength(0);
    expect(await h.record(a.caseId)).toEqual(before);
  });

  test('an input naming another recipient for a case already emailed is refused too (the stored result is not handed out)', async () => {
    const a = await assigned();
    await h.sendEmail({ case: a, executionId: 'genuine' });
    const forged = { ...a, employee: { ...a.employee, email: 'victim@outside.example' } };
    expect((await rejection(h.sendEmail({ case: forged, executionId: 'attacker' }))).name).toBe(CaseErrorName.CASE_CONFLICT);
    expect(await h.emailsFor(a.caseId)).toHaveLength(1);
  });
});

describe('a case opened twice', () => {
  test('with other details: CaseConflict, the first opening\'s record unchanged, nothing sent', async () => {
    const caseId = `la-${++seq}`;
    const first = await h.assignCase(await h.openCase({ inputCaseID: caseId, details: { title: 'first' } }));
    const before = await h.record(caseId);
    for (const details of [{ title: 'second', priority: 'P9' }, { title: 'first', link: 'https://evil.example/' }, undefined]) {
      const err = await rejection(h.assignCase(await h.openCase({ inputCaseID: caseId, ...(details ? { details } : {}) })));
      expect(err.name).toBe(CaseErrorName.CASE_CONFLICT);
      expect(err.message).not.toContain('second');
    }
    expect(await h.record(caseId)).toEqual(before);
    expect(await h.emailsFor(caseId)).toHaveLength(0);
    // the same details again (a retry, or a second execution of the same case): the stored assignment
    expect(await h.assignCase(await h.openCase({ inputCaseID: caseId, details: { title: 'first' } }))).toEqual(first);
  });
});

describe('closed cases expire (closedCaseRetention)', () => {
  afterEach(() => {
    delete process.env[ENV.CASE_EXPIRES_AFTER_SECONDS];
  });

  test('Assign Case writes expiresAt (epoch seconds) = assignment + CASE_EXPIRES_AFTER_SECONDS; without it, none', async () => {
    process.env[ENV.CASE_EXPIRES_AFTER_SECONDS] = '3600';
    const a = await assigned();
    expect((await h.record(a.caseId))!.expiresAt).toEqual({ N: String(Math.floor(Date.parse(a.assignedAt) / 1000) + 3600) });
    delete process.env[ENV.CASE_EXPIRES_AFTER_SECONDS];
    const b = await assigned();
    expect((await h.record(b.caseId))!.expiresAt).toBeUndefined();
    // the email still goes out, and the record keeps its expiry
    await h.sendEmail({ case: a, executionId: 'e' });
    expect((await h.record(a.caseId))!.expiresAt).toBeDefined();
  });
});
