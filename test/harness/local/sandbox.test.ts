/**
 * The sandbox a bundle runs in: with a seed, a handler's randomness is a hash of what draws it.
 * Checked on the worker template (worker-workflow.ts).
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { definition, example, workerWorkflows } from './worker-workflow';
import { LocalWorkflow } from '../../../harness/local/workflow';
import { startLocalAws } from '../../../harness/local-aws';

const workers = workerWorkflows();

test("with a seed, a handler's Math.random is a hash of (seed, execution, state, attempt, draw): the same in every run", async () => {
  // Each run on servers of its own (a workflow creates its table).
  const draws = async (seed: number | undefined) => {
    const own = await startLocalAws();
    try {
      const synthesized = example(definition(), mkdtempSync(join(workers.dir, 'run-')));
      const workflow = await LocalWorkflow.create({ synthesized, aws: own, timeScale: 20, realTimeAllowanceMs: 0, jitterSeed: seed });
      workers.created.push(workflow);
      return [(await workflow.run({ draws: 3 }, 'case-1')).output, (await workflow.run({ draws: 3 }, 'case-2')).output];
    } finally {
      await own.stop();
    }
  };
  const [a, b] = await draws(7);
  expect(a).toEqual((await draws(7))[0]);
  expect(a).not.toEqual(b); // another execution draws other numbers
  expect(a).not.toEqual((await draws(8))[0]);
  const [unseeded] = await draws(undefined);
  expect(unseeded).not.toEqual((await draws(undefined))[0]);
});
