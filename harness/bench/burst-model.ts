/**
 * Why the throttled-email retry is capped at 5 s: a discrete-event model of a burst draining
 * through SES's token bucket (R emails/s, a bucket of R) while every waiting execution retries
 * with Step Functions' schedule (1 s doubling to a cap, full jitter, about 0.1 s per attempt).
 * No AWS and no handlers: only the arithmetic of the schedule, for choosing the cap.
 *
 *   ts-node --project tsconfig.dev.json --transpile-only harness/bench/burst-model.ts
 *
 * prints, per burst and cap, the drain ratio (emails/s ÷ R), the drain time and the throttled
 * retries per case (each a billed transition on Standard).
 */
import { seededRandom } from '../fault-proxy';

export interface ModelResult {
  readonly ratio: number;
  readonly drainSeconds: number;
  readonly retriesPerCase: number;
}

export function modelBurst(cases: number, rate: number, capSeconds: number, seed = 7): ModelResult {
  const random = seededRandom(seed);
  // A binary heap of (time, attempt) events.
  const heap: Array<[number, number]> = [];
  const push = (e: [number, number]) => {
    heap.push(e);
    for (let i = heap.length - 1; i > 0;) {
      const p = (i - 1) >> 1; // eslint-disable-line no-bitwise
      if (heap[p][0] <= heap[i][0]) break;
      [heap[p], heap[i]] = [heap[i], heap[p]];
      i = p;
    }
  };
  const pop = (): [number, number] => {
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      for (let i = 0; ;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && heap[l][0] < heap[m][0]) m = l;
        if (r < heap.length && heap[r][0] < heap[m][0]) m = r;
        if (m === i) break;
        [heap[m], heap[i]] = [heap[i], heap[m]];
        i = m;
      }
    }
    return top;
  };
  for (let i = 0; i < cases; i++) push([random() * 0.05, 0]);
  let tokens = rate;
  let last = 0;
  let lastEmail = 0;
  let attempts = 0;
  while (heap.length > 0) {
    const [t, attempt] = pop();
    attempts++;
    tokens = Math.min(rate, tokens + (t - last) * rate);
    last = t;
    if (tokens >= 1) {
      tokens -= 1;
      lastEmail = t;
      continue;
    }
    push([t + 0.1 + random() * Math.min(2 ** attempt, capSeconds), attempt + 1]);
  }
  return { ratio: cases / lastEmail / rate, drainSeconds: lastEmail, retriesPerCase: (attempts - cases) / cases };
}

if (require.main === module) {
  for (const [cases, rate] of [[2000, 14], [10000, 14], [10000, 50], [300, 1], [2000, 50], [100, 14]]) {
    for (const cap of [2, 5, 10, 20]) {
      const r = modelBurst(cases, rate, cap);
      process.stdout.write(`cases=${cases} rate=${rate}/s cap=${cap}s: ratio ${r.ratio.toFixed(3)}, drain ${r.drainSeconds.toFixed(0)} s, `
        + `retries/case ${r.retriesPerCase.toFixed(1)}\n`);
    }
  }
}
