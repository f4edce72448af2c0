// @ts-check
/**
 * One cold start, in a fresh Node process: load a handler module, invoke it once, report, exit.
 *
 *   node child.js <handler module> <event JSON>
 *
 * Plain CommonJS on purpose: no TypeScript loader in the measured process. It prints one JSON
 * line with times in ms, all read from the same clock (`performance.now()`, whose zero is
 * `performance.timeOrigin`, the start of this Node process):
 *   bootMs   process start -> this file runs (Node's own start-up; the same for every handler)
 *   loadMs   require() (import() for .mjs) of the handler module: parsing and running its top level
 *            (SDK clients built)
 *   invokeMs the first invocation, until its promise settles (credentials, connection, the call)
 *   totalMs  process start -> first invocation done: the cold start this benchmark compares
 * The process then exits at once (open keep-alive sockets would otherwise keep it alive).
 */
'use strict';

const { performance } = require('node:perf_hooks');
const { pathToFileURL } = require('node:url');

const bootMs = performance.now();
const [modulePath, eventJson] = process.argv.slice(2);
const event = JSON.parse(eventJson ?? 'null');

const loadStart = performance.now();
/** @type {number} */
let loaded = 0;
// `.mjs` (ES module builds, see bundle-variants.ts) is loaded with import(), anything else with require().
const load = modulePath.endsWith('.mjs')
  ? import(pathToFileURL(modulePath).href)
  : Promise.resolve(require(modulePath));

load
  .then((mod) => {
    loaded = performance.now();
    return mod.handler(event, {});
  })
  .then(
    (output) => finish(true, output),
    (err) => finish(false, { name: err && err.name, message: err && err.message }),
  );

/** @param {boolean} ok @param {unknown} detail */
function finish(ok, detail) {
  const done = performance.now();
  const report = { ok, bootMs, loadMs: loaded - loadStart, invokeMs: done - loaded, totalMs: done, detail };
  process.stdout.write(JSON.stringify(report) + '\n', () => process.exit(ok ? 0 : 1));
}
