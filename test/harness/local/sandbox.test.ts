/**
 * The sandbox a bundle runs in: with a seed, a handler's randomness is a hash of what draws it.
 * Checked on the worker template (worker-workflow.ts).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { definition, example, workerWorkflows } from './worker-workflow';
import { sandboxPool } from '../../../harness/local/sandbox';
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

test('a bundle is compiled once, and every cold start is a module instance of its own (its own module state); a free instance is reused', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bundle-'));
  const file = join(dir, 'index.js');
  // Module state, a Node built-in through `require`, and the instance's own `setTimeout`.
  writeFileSync(file, '"use strict";let n = 0; const { sep } = require("node:path");'
    + 'exports.handler = async () => { n++; await new Promise((r) => setTimeout(r, 1)); return { n, sep }; };');
  const fired = { requestTimeouts: 0, functionTimeouts: 0, taskTimeouts: 0 };
  const pool = sandboxPool(file, { timeScale: 1, allowanceMs: 0, ioBoundMs: [], randomSeed: undefined, fired });
  const first = pool.take();
  const second = pool.take(); // the first is busy: a cold start
  expect(second).not.toBe(first);
  expect(await first(null, undefined as never)).toEqual({ n: 1, sep: '/' });
  expect(await second(null, undefined as never)).toEqual({ n: 1, sep: '/' });
  pool.give(first);
  expect(pool.take()).toBe(first);
  expect(await first(null, undefined as never)).toEqual({ n: 2, sep: '/' });
});
