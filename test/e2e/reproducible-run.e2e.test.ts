/**
 * `--seed` reproduces a fault run (issue 8): two runs of one seed inject the same faults into the
 * same requests and take the same path for every case — the same retries of each state, the same
 * requests of each operation, the same record and the same emails — so they print the same
 * summary line. Timing differs between the runs (the machine's load); nothing random may.
 *
 * What made runs differ before: the handlers' SDK drew its retry backoff from an unseeded
 * `Math.random`; a backoff pause of a second or more was taken for a bound on I/O and got the
 * real-time allowance; a cold start's module load counted against the function's timeout.
 */
import { synthExample, SynthesizedExample } from '../../harness/example-app';
import { startLocalRun } from '../../harness/local-run';
import { summaryLine } from '../../harness/summary';

const CASES = 300;
const SEED = 5;

let synthesized: SynthesizedExample;
beforeAll(() => {
  synthesized = synthExample();
});

/** One run: its summary line, injected faults and, per case, everything that decides its path. */
async function run() {
  const local = await startLocalRun({ faultRate: 0.25, seed: SEED, synthesized });
  try {
    const caseIds = Array.from({ length: CASES }, (_, i) => String(i + 1).padStart(3, '0'));
    const outcomes = await local.runMany(caseIds.map((inputCaseID) => ({ inputCaseID })), 10);
    const summary = await local.summarize(caseIds, outcomes);
    const records = new Map((await local.workflow.records()).map((r) => [r.caseId.S, r]));
    const perCase = caseIds.map((id, i) => ({
      id,
      status: outcomes[i].status,
      statesEntered: outcomes[i].statesEntered,
      retriesByState: outcomes[i].retriesByState,
      dynamodb: local.proxies.dynamodb!.perCase(id),
      ses: local.proxies.ses!.perCase(id),
      record: {
        status: records.get(id)?.status?.S,
        emailStatus: records.get(id)?.emailStatus?.S,
        employeeId: records.get(id)?.employeeId?.S,
        resends: records.get(id)?.emailAmbiguousResends?.N,
      },
    }));
    const { dynamodb, ses } = local.proxies;
    const injected = { dynamodb: { ...dynamodb!.injected }, ses: { ...ses!.injected }, lambda: { ...local.lambdaInjected } };
    return { line: summaryLine(summary), injected, perCase };
  } finally {
    await local.stop();
  }
}

test(`two runs of one seed (${CASES} cases, 25 % faults) take the same path for every case and print the same summary`, async () => {
  const first = await run();
  const second = await run();
  expect(first.line).toMatch(/failed=0 .* uncounted=0$/);
  expect(second.injected).toEqual(first.injected);
  const differing = second.perCase.filter((c, i) => JSON.stringify(c) !== JSON.stringify(first.perCase[i]));
  expect(differing.map((c) => c.id)).toEqual([]);
  expect(second.line).toBe(first.line);
}, 240_000);
