/** The steps' inputs: what Open Case, Assign Case and Send Email accept, and the named error for anything else. */
import { errorOf, NOW, ROSTER } from './unit-fixtures';
import { assignCase } from '../../src/handlers/case-assignment.lambda-shared';
import { openCase, parseOpenedCase, parseSendEmailInput } from '../../src/handlers/case-input.lambda-shared';
import { CaseErrorName } from '../../src/shared/contract';

describe('openCase', () => {
  test("accepts the tutorial's input and ignores extra fields", () => {
    expect(openCase({ inputCaseID: '001' }, NOW)).toEqual({ caseId: '001', openedAt: NOW.toISOString() });
    expect(openCase({ inputCaseID: 'CASE-2026.42_a', priority: 'high' }, NOW).caseId).toBe('CASE-2026.42_a');
  });

  test.each([
    ['missing', {}, /has no inputCaseID/],
    ['empty', { inputCaseID: '' }, /must not be empty/],
    ['a number', { inputCaseID: 1 }, /must be a string, got a number/],
    ['null', { inputCaseID: null }, /must be a string, got null/],
    ['oversized', { inputCaseID: 'x'.repeat(65) }, /at most 64 characters, got 65/],
    ['with spaces', { inputCaseID: ' 001' }, /may hold only ASCII letters/],
    ['unicode', { inputCaseID: 'caso-ñ' }, /may hold only ASCII letters/],
    ['injection-looking', { inputCaseID: "1' OR '1'='1" }, /may hold only ASCII letters/],
    ['input not an object', [{ inputCaseID: '001' }], /must be a JSON object with inputCaseID, got an array/],
    ['input a string', '001', /must be a JSON object/],
  ])('rejects an inputCaseID that is %s with InvalidCaseInput', (_what, input, message) => {
    const err = errorOf(() => openCase(input, NOW));
    expect(err.name).toBe(CaseErrorName.INVALID_CASE_INPUT);
    expect(err.message).toMatch(message);
  });

  test('accepts exactly 64 characters', () => {
    expect(openCase({ inputCaseID: 'a'.repeat(64) }, NOW).caseId).toHaveLength(64);
  });
});

describe('step inputs', () => {
  const opened = openCase({ inputCaseID: '001' }, NOW);
  const assigned = assignCase(opened, ROSTER, NOW);

  test('Assign Case accepts what Open Case returns, and rejects anything else', () => {
    expect(parseOpenedCase(JSON.parse(JSON.stringify(opened)))).toEqual(opened);
    expect(errorOf(() => parseOpenedCase({ caseId: '001' })).name).toBe(CaseErrorName.INVALID_CASE_INPUT);
    expect(errorOf(() => parseOpenedCase(null)).name).toBe(CaseErrorName.INVALID_CASE_INPUT);
  });

  test('Send Email accepts the assigned case with an execution id, and rejects anything else', () => {
    const input = { case: assigned, executionId: 'arn:exec' };
    expect(parseSendEmailInput(JSON.parse(JSON.stringify(input)))).toEqual(input);
    expect(errorOf(() => parseSendEmailInput({ case: assigned })).name).toBe(CaseErrorName.INVALID_CASE_INPUT);
    // a named error keeps the error it stands for (ES2022 cause)
    const bad = errorOf(() => parseSendEmailInput({ case: { ...assigned, employee: { id: 'x' } }, executionId: 'e' }));
    expect(bad.name).toBe(CaseErrorName.INVALID_CASE_INPUT);
    expect((bad.cause as Error).message).toBe(bad.message);
    expect(errorOf(() => parseSendEmailInput({ case: { ...assigned, employee: { id: 'x' } }, executionId: 'e' })).name)
      .toBe(CaseErrorName.INVALID_CASE_INPUT);
  });
});
