/**
 * Property: every bad execution input ends in InvalidCaseInput at Open Case, and leaves no
 * record and no email — checked on generated inputs through the whole local workflow.
 */
import fc from 'fast-check';
import { LocalRun, startLocalRun } from '../../harness/local-run';
import { CASE_DETAIL_LIMITS, MAX_CASE_ID_LENGTH } from '../../src/shared/contract';

const VALID_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const isValidId = (v: unknown) => typeof v === 'string' && v.length >= 1 && v.length <= MAX_CASE_ID_LENGTH && VALID_ID.test(v);

const INJECTION = ["' OR '1'='1", '"; DROP TABLE cases; --', '<script>alert(1)</script>', '${jndi:ldap://x/a}', '../../etc/passwd',
  '{"$ne": null}', '$.inputCaseID', '%00', '\u0000', 'caseId = :x', '{{7*7}}', '`rm -rf /`'];

/** Case ids that must be refused: wrong length, characters outside the allowed set. */
const badCaseId = fc.oneof(
  fc.constant(''),
  fc.string({ minLength: MAX_CASE_ID_LENGTH + 1, maxLength: 5000 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
  fc.constantFrom(...INJECTION).chain((s) => fc.tuple(fc.stringMatching(/^[0-9]{0,4}$/), fc.constant(s)).map(([a, b]) => a + b)),
  fc.stringMatching(/^[0-9]{1,5}$/).map((s) => ` ${s}`),
  fc.stringMatching(/^[0-9]{1,5}$/).map((s) => `${s}\n`),
).filter((s) => !isValidId(s));

const DETAIL_FIELDS = Object.keys(CASE_DETAIL_LIMITS) as (keyof typeof CASE_DETAIL_LIMITS)[];

/** Case details that must be refused (next to a valid case id). */
const badDetails = fc.oneof(
  fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.array(fc.string(), { maxLength: 2 })),
  fc.dictionary(fc.string({ minLength: 1 }).filter((k) => !(DETAIL_FIELDS as string[]).includes(k) && k !== '__proto__'), fc.string(), { minKeys: 1, maxKeys: 3 }),
  fc.constantFrom(...DETAIL_FIELDS).chain((k) => fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.constant(''), fc.array(fc.string())).map((v) => ({ [k]: v }))),
  fc.constantFrom(...DETAIL_FIELDS).map((k) => ({ [k]: 'https://e.example/' + 'x'.repeat(CASE_DETAIL_LIMITS[k]) })),
  fc.constantFrom('javascript:alert(1)', 'ftp://files.example/x', '/tickets/1', 'https://a b.example', 'data:text/html,<b>x</b>', 'mailto:a@example.com')
    .map((link) => ({ link })),
);

/** Execution inputs that must be refused. */
const badInput = fc.oneof(
  // the case id present but invalid
  badCaseId.map((inputCaseID) => ({ inputCaseID })),
  // the case id of a wrong type (numbers, booleans, null, arrays, objects)
  fc.anything().filter((v) => typeof v !== 'string').map((inputCaseID) => ({ inputCaseID })),
  // extra nesting around a valid id
  fc.stringMatching(/^[0-9]{3}$/).map((id) => ({ inputCaseID: { value: id } })),
  fc.stringMatching(/^[0-9]{3}$/).map((id) => ({ input: { inputCaseID: id } })),
  fc.stringMatching(/^[0-9]{3}$/).map((id) => ({ inputCaseID: [id] })),
  // no case id at all, or not an object
  fc.dictionary(fc.string().filter((k) => k !== 'inputCaseID' && k !== '__proto__'), fc.jsonValue(), { maxKeys: 4 }),
  fc.oneof(
    fc.string(), fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.boolean(), fc.constant(null),
    fc.array(fc.jsonValue(), { maxLength: 3 }),
  ),
  // a valid case id with bad details
  fc.tuple(fc.stringMatching(/^[0-9]{3}$/), badDetails).map(([inputCaseID, details]) => ({ inputCaseID, details })),
  // wrong key case
  fc.stringMatching(/^[0-9]{3}$/).map((id) => ({ inputCaseId: id })),
);

let run: LocalRun;
beforeAll(async () => {
  run = await startLocalRun();
});
afterAll(async () => {
  await run?.stop();
});

test('at least 200 generated bad inputs each fail Open Case with InvalidCaseInput; nothing written, nothing sent', async () => {
  let checked = 0;
  await fc.assert(
    fc.asyncProperty(badInput, async (input) => {
      // The execution input is JSON: drop what JSON cannot carry (undefined, functions), as the API would.
      const json = JSON.parse(JSON.stringify(input ?? null) ?? 'null');
      const outcome = await run.workflow.run(json);
      checked++;
      expect(outcome.status).toBe('FAILED');
      expect(outcome.error).toBe('InvalidCaseInput');
      expect(outcome.statesEntered).toEqual(['Open Case', 'Case Failed']);
    }),
    { numRuns: 250, seed: 20261125 },
  );
  expect(checked).toBeGreaterThanOrEqual(200);
  expect(await run.workflow.records()).toHaveLength(0);
  expect(await run.aws.emails()).toHaveLength(0);
});

test('the property would catch a valid input: the tutorial input succeeds in the same environment', async () => {
  const outcome = await run.workflow.run({ inputCaseID: '001' });
  expect(outcome.status).toBe('SUCCEEDED');
});
