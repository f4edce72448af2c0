/**
 * A burst draining through SES's token bucket (R emails/s, a bucket of R), as a discrete-event
 * model in seconds of AWS time: no AWS and no handlers, only the arithmetic of the design
 * (docs/design/burst-pacing.md). Runs in seconds:
 *
 *   ts-node --project tsconfig.dev.json --transpile-only harness/bench/burst-model.ts
 *
 * `modelPacedBurst` follows the construct: Send Email reads the send-slot counter first (the
 * gate); with a backlog, or when SES refuses for its rate, the case reserves a slot (one or two
 * conditional writes, `src/shared/send-pacing.ts`) and its execution waits for it in the Wait
 * state (two transitions: Wait, Send Email again; the Wait reads its timestamp to the second, so
 * the slot is rounded up to one), then sends without the gate.
 * `modelRetryBurst` is the design it replaced (retry on EmailThrottled with full jitter, capped),
 * kept for the comparison in the design record.
 */
import { EventQueue } from './event-queue';
import { hasBacklog, MAX_SEND_SLOT_ROUNDS, reserveSlot, slotGapMs, WAIT_TIMESTAMP_RESOLUTION_SECONDS, wakeAt } from '../../src/shared/send-pacing';
import { seededRandom } from '../seeded-random';

export type ModelService = 'ses' | 'lambda' | 'dynamodb' | 'stepFunctions';
export const MODEL_SERVICES: readonly ModelService[] = ['ses', 'lambda', 'dynamodb', 'stepFunctions'];

export interface ModelResult {
  readonly cases: number;
  readonly rate: number;
  readonly emailed: number;
  readonly failed: number;
  /** Emails per second from the burst's start to the last email, ÷ R. */
  readonly drainRatio: number;
  readonly drainSeconds: number;
  /** Send Email invocations per case (1 on the happy path). */
  readonly attemptsPerCase: number;
  /** SES SendEmail calls per case, and those SES refused for its rate. */
  readonly sesCallsPerCase: number;
  readonly throttledPerCase: number;
  /** Billed transitions per case beyond the happy path's 3. */
  readonly extraTransitionsPerCase: number;
  /** Lambda invocations (all three functions), DynamoDB writes and reads, per case. */
  readonly lambdaPerCase: number;
  readonly dynamodbWritesPerCase: number;
  readonly dynamodbReadsPerCase: number;
  /** Highest calls in one second of AWS time, per service, once every case has arrived (the waiting's load). */
  readonly peakPerSecond: Record<ModelService, number>;
  /** The same over the whole burst, arrivals included. */
  readonly peakPerSecondWithArrivals: Record<ModelService, number>;
  /** Most reserve-wait-send rounds of one execution (bounds its history). */
  readonly maxRounds: number;
}

export interface ModelOptions {
  /** Cases arriving at Send Email per second; default: all within 50 ms. */
  readonly arrivalRate?: number;
  /** Or each case's arrival at Send Email, in seconds from the burst's start (a measured run's). */
  readonly arrivalTimes?: readonly number[];
  /** A case fails rather than take a slot later than this after it arrived (emailThrottlePatience). Default 3 h. */
  readonly patienceSeconds?: number;
  /** From the Wait state's end (or a retry) to the SES call. Default 0.1 s. */
  readonly sendLatencySeconds?: number;
  readonly seed?: number;
}

/** Per-second counts of calls, per service. */
class Load {
  private readonly perSecond = new Map<ModelService, number[]>(MODEL_SERVICES.map((s) => [s, []]));
  readonly totals: Record<ModelService, number> = { ses: 0, lambda: 0, dynamodb: 0, stepFunctions: 0 };
  add(service: ModelService, t: number, n = 1): void {
    const series = this.perSecond.get(service)!;
    const second = Math.floor(t);
    series[second] = (series[second] ?? 0) + n;
    this.totals[service] += n;
  }
  peak(fromSecond: number): Record<ModelService, number> {
    const out = {} as Record<ModelService, number>;
    for (const [s, series] of this.perSecond) out[s] = series.slice(fromSecond).reduce((m, v) => Math.max(m, v ?? 0), 0);
    return out;
  }
}

function arrivals(cases: number, options: ModelOptions, random: () => number): number[] {
  if (options.arrivalTimes) return [...options.arrivalTimes];
  const spread = options.arrivalRate ? cases / options.arrivalRate : 0.05;
  return Array.from({ length: cases }, () => random() * spread);
}

/** The counts a burst model ends with, as a result. */
function result(cases: number, rate: number, load: Load, emailed: number, first: number, lastEmail: number, extra: number,
  sendInvocations: number, throttled: number, lastArrival: number, maxRounds: number): ModelResult {
  const drainSeconds = lastEmail - first;
  return {
    cases,
    rate,
    emailed,
    failed: cases - emailed,
    drainRatio: drainSeconds > 0 ? emailed / drainSeconds / rate : 1,
    drainSeconds,
    attemptsPerCase: sendInvocations / cases,
    sesCallsPerCase: load.totals.ses / cases,
    throttledPerCase: throttled / cases,
    extraTransitionsPerCase: extra / cases,
    lambdaPerCase: load.totals.lambda / cases,
    dynamodbWritesPerCase: (load.totals.dynamodb - readsOf(load)) / cases,
    dynamodbReadsPerCase: readsOf(load) / cases,
    peakPerSecond: load.peak(Math.ceil(lastArrival) + 1),
    peakPerSecondWithArrivals: load.peak(0),
    maxRounds,
  };
}
const reads = new WeakMap<Load, number>();
const readsOf = (load: Load) => reads.get(load) ?? 0;
function read(load: Load, t: number): void {
  load.add('dynamodb', t);
  reads.set(load, readsOf(load) + 1);
}

/** The SES token bucket: R tokens a second, holding R. */
function sesBucket(rate: number): (t: number) => boolean {
  let tokens = rate;
  let last = 0;
  return (t) => {
    tokens = Math.min(rate, tokens + (t - last) * rate);
    last = t;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
}

/** SES's bucket, and the emails it let through. */
class SesSends {
  emailed = 0;
  /** When the last email went out. */
  lastEmail = 0;
  private readonly take: (t: number) => boolean;
  constructor(rate: number) {
    this.take = sesBucket(rate);
  }
  /** Whether SES takes an email sent at `t` (counted when it does). */
  send(t: number): boolean {
    if (!this.take(t)) return false;
    this.emailed++;
    this.lastEmail = Math.max(this.lastEmail, t);
    return true;
  }
}

/** Open Case and Assign Case for a case arriving at `t`: two transitions, two invocations, one write. */
function happyPrefix(load: Load, t: number): void {
  load.add('stepFunctions', t, 3);
  load.add('lambda', t, 2);
  load.add('dynamodb', t);
}

export function modelPacedBurst(cases: number, rate: number, options: ModelOptions = {}): ModelResult {
  const random = seededRandom(options.seed ?? 7);
  const latency = options.sendLatencySeconds ?? 0.1;
  const patience = options.patienceSeconds ?? 3 * 3600;
  const gap = slotGapMs(rate) / 1000;
  const ses = new SesSends(rate);
  const load = new Load();
  type Ev = { readonly arrived: number; readonly round: number };
  const queue = new EventQueue<Ev>();
  const times = arrivals(cases, options, random);
  for (const t of times) queue.push(t, { arrived: t, round: 0 });
  let nextAt: number | undefined;
  let extra = 0;
  let invocations = 0;
  let throttled = 0;
  let maxRounds = 0;
  const reserve = (t: number, ev: Ev) => {
    if (ev.round >= MAX_SEND_SLOT_ROUNDS) return;
    const r = reserveSlot(nextAt, t, gap, ev.arrived + patience);
    load.add('dynamodb', t, r.kind === 'slot' && r.behind ? 2 : 1);
    if (r.kind === 'tooLate') return;
    nextAt = r.nextAt;
    extra += 2;
    load.add('stepFunctions', r.slotAt, 2);
    maxRounds = Math.max(maxRounds, ev.round + 1);
    queue.push(wakeAt(r.slotAt, WAIT_TIMESTAMP_RESOLUTION_SECONDS) + latency, { arrived: ev.arrived, round: ev.round + 1 });
  };
  while (queue.size > 0) {
    const { t, event } = queue.pop();
    invocations++;
    load.add('lambda', t);
    if (event.round === 0) {
      happyPrefix(load, t);
      read(load, t); // the gate
      if (hasBacklog(nextAt === undefined ? undefined : { nextAt, gapMs: gap }, t)) {
        reserve(t, event);
        continue;
      }
    }
    load.add('ses', t);
    load.add('dynamodb', t, 2); // claim, then record (or give back)
    if (ses.send(t)) continue;
    throttled++;
    reserve(t, event);
  }
  const lastArrival = times.reduce((m, t) => Math.max(m, t), 0);
  return result(cases, rate, load, ses.emailed, 0, ses.lastEmail, extra, invocations, throttled, lastArrival, maxRounds);
}

/** The replaced design: every throttled send retried by Step Functions, 1 s doubling to `capSeconds`, full jitter. */
export function modelRetryBurst(cases: number, rate: number, capSeconds = 5, options: ModelOptions = {}): ModelResult {
  const random = seededRandom(options.seed ?? 7);
  const latency = options.sendLatencySeconds ?? 0.1;
  const ses = new SesSends(rate);
  const load = new Load();
  const queue = new EventQueue<number>();
  const times = arrivals(cases, options, random);
  for (const t of times) queue.push(t, 0);
  let attempts = 0;
  let maxRounds = 0;
  while (queue.size > 0) {
    const { t, event: attempt } = queue.pop();
    attempts++;
    if (attempt === 0) happyPrefix(load, t);
    else load.add('stepFunctions', t);
    load.add('lambda', t);
    load.add('ses', t);
    load.add('dynamodb', t, 2);
    if (ses.send(t)) continue;
    maxRounds = Math.max(maxRounds, attempt + 1);
    queue.push(t + latency + random() * Math.min(2 ** attempt, capSeconds), attempt + 1);
  }
  const throttled = attempts - cases;
  const lastArrival = times.reduce((m, t) => Math.max(m, t), 0);
  return result(cases, rate, load, ses.emailed, 0, ses.lastEmail, throttled, attempts, throttled, lastArrival, maxRounds);
}

/** The sizes the design record and the bench quote: [cases, SES rate]. */
export const MODEL_SIZES: ReadonlyArray<readonly [number, number]> = [[1000, 14], [10000, 14], [50000, 14], [2000, 1]];

export function formatModelRow(name: string, r: ModelResult): string {
  const peak = r.peakPerSecond;
  return `| ${name} | ${r.cases.toLocaleString('en-US')} at ${r.rate}/s | ${r.attemptsPerCase.toFixed(2)} | ${r.throttledPerCase.toFixed(2)} `
    + `| ${r.extraTransitionsPerCase.toFixed(2)} | ${peak.ses} / ${peak.lambda} / ${peak.dynamodb} / ${peak.stepFunctions} `
    + `| ${r.drainRatio.toFixed(3)} | ${r.failed} | ${r.maxRounds} |`;
}

if (require.main === module) {
  process.stdout.write('| design | burst | Send Email attempts/case | SES throttles/case | extra transitions/case '
    + '| peak calls/s after arrivals: SES / Lambda / DynamoDB / Step Functions | drain (× R) | failed | max rounds |\n'
    + '|---|---|---:|---:|---:|---|---:|---:|---:|\n');
  for (const [cases, rate] of MODEL_SIZES) {
    process.stdout.write(formatModelRow('paced', modelPacedBurst(cases, rate)) + '\n');
    if (cases <= 10000) process.stdout.write(formatModelRow('retry (5 s cap)', modelRetryBurst(cases, rate)) + '\n');
  }
  const r = modelPacedBurst(10000, 14);
  process.stdout.write(`\npaced, 10,000 at 14/s, per case: Lambda ${r.lambdaPerCase.toFixed(2)}, DynamoDB writes ${r.dynamodbWritesPerCase.toFixed(2)}`
    + `, reads ${r.dynamodbReadsPerCase.toFixed(2)}, SES calls ${r.sesCallsPerCase.toFixed(2)}; peak with arrivals ${JSON.stringify(r.peakPerSecondWithArrivals)}\n`);
}
