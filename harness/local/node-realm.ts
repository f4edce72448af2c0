/**
 * Node's own realm, from wherever the harness runs. Under jest, a test's `process`, `require`
 * and the `module` module's `createRequire` are jest's: they load code into the test's own realm
 * (its own `Error`, `Promise`, ...) and give it a copy of the environment. `vm` is Node's, and
 * its `runInThisContext` runs in Node's main context, whose `process` is the real one.
 *
 * The harness loads the handlers' bundles in Node's main context, with Node's `require` and gives them their
 * environment on the real `process`, so that they run as on Lambda: in the realm Node's own
 * modules (http, net) create their errors in. In another realm the AWS SDK's `instanceof Error`
 * fails on Node's errors, and it wraps them and drops their HTTP status (`$metadata`).
 */
import { createRequire } from 'node:module';
import { runInThisContext } from 'node:vm';

/** The real `process` (the same object as `process` outside a test runner). */
export const nodeProcess = runInThisContext('process') as NodeJS.Process & { getBuiltinModule?: (id: string) => unknown };

const nodeCreateRequire = (nodeProcess.getBuiltinModule?.('node:module') as { createRequire?: typeof createRequire } | undefined)
  ?.createRequire ?? createRequire;

/** Node's own `require` (not a test runner's), resolving from `file`'s folder. */
export function createNodeRequire(file: string): NodeRequire {
  return nodeCreateRequire(file);
}
