/**
 * `npx projen demo`: a realistic batch of support cases through the synthesized workflow,
 * on local DynamoDB, SES and Step Functions. Ends with one summary line.
 *
 *   --cases N        how many cases (default 25)
 *   --concurrency N  executions at once (default 10; as many as cases for a burst)
 *   --fault-rate R   share of DynamoDB, SES and Lambda requests to fail (default 0)
 *   --seed S         seed of the injected faults and the retry jitter (default 1): the same seed
 *                    injects the same faults into the same requests, whatever the timing
 *   --stalls         the random faults include stalls (carried out, never answered)
 *   --time-scale F   AWS time runs F times faster (default 20): retry waits, timeouts, leases
 *   --ses-rate R     SES's maximum sending rate, emails per second of AWS time (default: none)
 *   --ses-daily-quota Q  SES's daily quota: sends past Q emails are refused (default: none)
 *   --real-time-allowance MS  real time added to the scaled bounds on handler work (function and
 *                    task timeouts, the lease), for work that cannot be scaled (default 1000)
 *   --paths FILE     write each case's path (states, retries, requests, record, emails) to FILE,
 *                    one JSON line per case: two runs of one seed give the same file
 *   --express        synthesize an Express workflow instead of Standard
 *   --template FILE  render the team's own email template (JSON: {"subject", "text", "html"})
 *   --acknowledge S  turn acknowledgement on: a share S (0..1) of the emailed employees acknowledge
 *                    (open the link, press Acknowledge) at a random time within the wait; the rest
 *                    time out and the case is escalated
 *   --escalate-after SECONDS  a round's wait, in AWS time (default 900; scaled by --time-scale)
 *   --rounds N       rounds before a case ends unacknowledged (default 3)
 *   --keep           leave the servers up and print the SES emulator's page
 *   -h, --help       print the usage
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { aws_stepfunctions as sfn } from 'aws-cdk-lib';
import { SingleBar, Presets } from 'cli-progress';
import { acknowledgeLinks } from './acknowledge-client';
import { demoDetails, readTemplateFile, TemplateFileError } from './demo-data';
import { ExampleAcknowledgement, EXAMPLE_ROSTER } from './example-app';
import { DEFAULT_REAL_TIME_ALLOWANCE_MS, DEFAULT_TIME_SCALE } from './local/time-scale';
import { LocalRun, startLocalRun } from './local-run';
import { SimulatedEmployees } from './simulated-employees';
import { percentile } from './stats';
import { onStopRequest, StopReason } from './stop-request';
import { caseIdOfEmail, summaryLine } from './summary';
import { CaseErrorName } from '../src/shared/contract';

/** The demo's acknowledgement defaults (AWS time). */
const DEFAULT_ESCALATE_AFTER_SECONDS = 900;
const DEFAULT_ROUNDS = 3;

const USAGE = `Usage: npx projen demo [options]

Runs a batch of support cases through the synthesized workflow on local DynamoDB, SES and
Step Functions (no AWS account needed), then prints a summary.

Options:
  --cases N        how many cases (default 25)
  --concurrency N  executions at once (default 10; as many as cases for a burst)
  --fault-rate R   share of DynamoDB, SES and Lambda requests to fail, 0 <= R < 1 (default 0)
  --seed S         seed of the injected faults and the retry jitter (default 1); the same
                   seed injects the same faults into the same requests, whatever the timing
  --stalls         the random faults include stalls: requests carried out and never answered
                   (ended by the request timeout or the invocation's deadline, whichever comes
                   first in real time: runs of one seed may then differ)
  --time-scale F   AWS time runs F times faster (default ${DEFAULT_TIME_SCALE}): retry waits, timeouts, leases
  --ses-rate R     SES's maximum sending rate, emails per second of AWS time (default: none)
  --ses-daily-quota Q  SES's daily quota: sends past Q emails are refused (default: none)
  --real-time-allowance MS  real milliseconds added to each scaled bound on a handler's work
                   (timeouts, leases; default ${DEFAULT_REAL_TIME_ALLOWANCE_MS}): the local machine's work is not scaled
  --paths FILE     write each case's path (states, retries, requests, record, emails) to FILE,
                   one JSON line per case: two runs of one seed give the same file
  --express        synthesize an Express workflow instead of Standard
  --template FILE  send the emails with the team's own template: FILE is a JSON object with
                   any of "subject", "text" and "html" (strings with the construct's
                   placeholders, e.g. {"subject": "[{{priority}}] {{title}}"}); a part left out
                   keeps the default wording. The first case's email is printed.
  --acknowledge S  turn acknowledgement on (acknowledge or escalate): a share S of the emailed
                   employees, 0 <= S <= 1, open the email's link and press Acknowledge, each at a
                   random time (seeded) within the round's wait; the others do nothing, so their
                   round times out and the case goes to the next employee (default: off)
  --escalate-after SECONDS  with --acknowledge: a round's wait, in seconds of AWS time
                   (default ${DEFAULT_ESCALATE_AFTER_SECONDS}; scaled by --time-scale like every other time)
  --rounds N       with --acknowledge: rounds before a case ends UNACKNOWLEDGED (default ${DEFAULT_ROUNDS})
  --keep           after the summary, leave the servers up (read the emails in a browser)
                   until Ctrl+C or SIGTERM
  -h, --help       print this help
`;

/** A bad command line: reported with the usage, exit code 2, no stack trace. */
class UsageError extends Error {}

function positiveInt(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, got ${value}`);
  return n;
}

function sortedKeys(counts: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

function parseCommandLine() {
  try {
    return parseArgs({
      options: {
        'cases': { type: 'string', default: '25' },
        'concurrency': { type: 'string', default: '10' },
        'fault-rate': { type: 'string', default: '0' },
        'seed': { type: 'string', default: '1' },
        'stalls': { type: 'boolean', default: false },
        'time-scale': { type: 'string', default: String(DEFAULT_TIME_SCALE) },
        'ses-rate': { type: 'string' },
        'ses-daily-quota': { type: 'string' },
        'real-time-allowance': { type: 'string', default: String(DEFAULT_REAL_TIME_ALLOWANCE_MS) },
        'paths': { type: 'string' },
        'express': { type: 'boolean', default: false },
        'template': { type: 'string' },
        'acknowledge': { type: 'string' },
        'escalate-after': { type: 'string', default: String(DEFAULT_ESCALATE_AFTER_SECONDS) },
        'rounds': { type: 'string', default: String(DEFAULT_ROUNDS) },
        'keep': { type: 'boolean', default: false },
        'help': { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (err) {
    // node:util parseArgs: unknown options, missing values, positional arguments.
    throw new UsageError((err as Error).message);
  }
}

/** The servers of the run, once started: stopped on Ctrl+C, SIGTERM or when the launcher exits. */
let running: { stop(): Promise<void> } | undefined;
/** Set while --keep waits: a stop request ends the wait and main() shuts down normally. */
let endKeep: (() => void) | undefined;
let stopRequests = 0;

function onStop(reason: StopReason): void {
  stopRequests++;
  if (stopRequests > 1) process.exit(reason === 'SIGINT' ? 130 : 143); // asked twice: do not wait
  if (endKeep) {
    console.log(`\nStopping (${reason})...`);
    endKeep();
    return;
  }
  console.log(`\nStopping (${reason}) before the run finished...`);
  void (running?.stop() ?? Promise.resolve()).finally(() => process.exit(reason === 'SIGINT' ? 130 : 143));
}

/** The email of one case, as the team's template rendered it. */
async function printFirstEmail(run: LocalRun, caseId: string): Promise<void> {
  const email = (await run.aws.emails()).find((e) => caseIdOfEmail(e) === caseId);
  if (!email) return;
  console.log(`\nThe email of case ${caseId}, from your template:\n  Subject: ${email.subject}\n${(email.body.text ?? '').replace(/^/gm, '  | ')}`);
  console.log(`  (HTML body: ${(email.body.html ?? '').length} characters; read it with --keep)\n`);
}

/**
 * With --keep and --acknowledge: one more case (`try-me`, not in the summary) waits for its
 * acknowledgement while the servers stay up; its link opens the page live (served by the local
 * function URL), and pressing Acknowledge there ends it.
 */
async function holdCaseForYou(run: LocalRun, acknowledgement: ExampleAcknowledgement, timeScale: number): Promise<void> {
  const held = run.workflow.run({ inputCaseID: 'try-me', details: demoDetails(0) }, 'try-me');
  let link: string | undefined;
  for (let tries = 0; !link && tries < 100; tries++) {
    const email = (await run.aws.emails()).find((e) => caseIdOfEmail(e) === 'try-me');
    link = email && acknowledgeLinks(email, run.workflow.functionUrl!)[0];
    if (!link) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const seconds = (acknowledgement.escalateAfterSeconds / timeScale).toFixed(0);
  console.log(`Case try-me waits for you (${seconds} s a round, ${acknowledgement.maxRounds} rounds): open ${link ?? '(no email yet)'}`
    + ' in a tab of its own (the page refuses to be framed, so the SES page\'s HTML view cannot open it; its text view shows the link).');
  void held.then((o) => console.log(`\nCase try-me: ${o.status}${o.output?.acknowledgedBy ? `, acknowledged by ${o.output.acknowledgedBy}` : ''}${o.error ? ` (${o.error})` : ''}`));
}

async function main(): Promise<number> {
  const { values } = parseCommandLine();
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  onStopRequest(onStop);
  const cases = positiveInt('cases', values.cases!);
  const concurrency = positiveInt('concurrency', values.concurrency!);
  const faultRate = Number(values['fault-rate']);
  if (!(faultRate >= 0 && faultRate < 1)) throw new UsageError(`--fault-rate must be in [0, 1), got ${values['fault-rate']}`);
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new UsageError(`--seed must be an integer, got ${values.seed}`);
  const timeScale = Number(values['time-scale']);
  if (!(timeScale > 0)) throw new UsageError(`--time-scale must be positive, got ${values['time-scale']}`);
  const sesRate = values['ses-rate'] === undefined ? undefined : Number(values['ses-rate']);
  if (sesRate !== undefined && !(sesRate > 0)) throw new UsageError(`--ses-rate must be positive, got ${values['ses-rate']}`);
  const sesDailyQuota = values['ses-daily-quota'] === undefined ? undefined : Number(values['ses-daily-quota']);
  if (sesDailyQuota !== undefined && !(Number.isInteger(sesDailyQuota) && sesDailyQuota >= 0)) {
    throw new UsageError(`--ses-daily-quota must be a whole number, got ${values['ses-daily-quota']}`);
  }
  const workflowType = values.express ? sfn.StateMachineType.EXPRESS : sfn.StateMachineType.STANDARD;
  const share = values.acknowledge === undefined ? undefined : Number(values.acknowledge);
  if (share !== undefined && !(share >= 0 && share <= 1)) throw new UsageError(`--acknowledge must be a share in [0, 1], got ${values.acknowledge}`);
  const acknowledgement: ExampleAcknowledgement | undefined = share === undefined ? undefined : {
    escalateAfterSeconds: positiveInt('escalate-after', values['escalate-after']!),
    maxRounds: positiveInt('rounds', values.rounds!),
  };

  console.log(`Synthesizing the example app (one SupportCaseWorkflow, ${workflowType}, ${EXAMPLE_ROSTER.length} employees)...`);
  const realTimeAllowanceMs = Number(values['real-time-allowance']);
  if (!(realTimeAllowanceMs >= 0)) throw new UsageError(`--real-time-allowance must be 0 or more, got ${values['real-time-allowance']}`);
  const emailTemplate = values.template === undefined ? undefined : readTemplateFile(values.template);
  let run: LocalRun;
  try {
    const stalls = values.stalls;
    run = await startLocalRun({
      faultRate, stalls, seed, workflowType, timeScale, sesRate, sesDailyQuota, realTimeAllowanceMs, emailTemplate, acknowledgement,
    });
  } catch (err) {
    // The construct refuses the template at synth (an unknown placeholder, say): one line, no stack.
    if (emailTemplate) throw new TemplateFileError(`--template ${values.template}: ${(err as Error).message}`);
    // The construct refuses acknowledgement settings it cannot serve (too short a wait, say): a usage error.
    if (acknowledgement && /acknowledgement\./.test((err as Error).message)) throw new UsageError(`--escalate-after / --rounds: ${(err as Error).message}`);
    throw err;
  }
  running = run;
  console.log(`Time scale ${timeScale}: AWS time runs ${timeScale} times faster (retry waits, timeouts, the email lease)`);
  if (run.sesLimiter) console.log(`SES sending limits: ${sesRate ?? 'no'} emails/s (AWS time), daily quota ${sesDailyQuota ?? 'none'}`);
  console.log(`Local DynamoDB ${run.aws.dynamodbEndpoint}, local SES ${run.aws.sesEndpoint}, table ${run.workflow.tableName}`);
  if (faultRate > 0) console.log(`Injecting faults into ${(faultRate * 100).toFixed(1)} % of DynamoDB, SES and Lambda requests (seed ${seed})`);

  // Case ids in the tutorial's style ("001", "002", ...).
  const width = Math.max(3, String(cases).length);
  const caseIds = Array.from({ length: cases }, (_, i) => String(i + 1).padStart(width, '0'));
  console.log(`Running ${cases} cases, ${concurrency} at a time: Open Case -> Assign Case -> Send Email`
    + (acknowledgement ? ` -> Wait For Acknowledgement (escalate after ${acknowledgement.escalateAfterSeconds} s of AWS time, up to ${acknowledgement.maxRounds} rounds)` : ''));
  const inbox = () => run.aws.emails();
  const pageUrl = run.workflow.functionUrl!;
  const employees = acknowledgement
    && new SimulatedEmployees({ share: share!, seed, escalateAfterSeconds: acknowledgement.escalateAfterSeconds, timeScale, pageUrl, emails: inbox });
  if (employees) {
    console.log(`Acknowledge page ${run.workflow.functionUrl}: ${(share! * 100).toFixed(0)} % of the emailed employees acknowledge (seed ${seed})`);
    employees.start();
  }

  const bar = new SingleBar(
    { format: ' {bar} {percentage}% | {value}/{total} cases | failed {failed} | {duration}s', hideCursor: true, noTTYOutput: !process.stdout.isTTY, notTTYSchedule: 2000 },
    Presets.shades_classic,
  );
  let failedSoFar = 0;
  bar.start(cases, 0, { failed: 0 });
  const started = Date.now();
  const outcomes = await run.runMany(caseIds.map((id, i) => ({ inputCaseID: id, details: demoDetails(i) })), concurrency, (o) => {
    if (o.status === 'FAILED') failedSoFar++;
    bar.increment(1, { failed: failedSoFar });
  });
  bar.stop();
  const seconds = (Date.now() - started) / 1000;
  await employees?.stop();

  const summary = await run.summarize(caseIds, outcomes, acknowledgement ? { acknowledgement: true, roster: EXAMPLE_ROSTER } : undefined);
  if (values.paths) {
    const paths = await run.casePaths(caseIds, outcomes);
    writeFileSync(values.paths, paths.map((p) => JSON.stringify(p)).join('\n') + '\n');
  }
  console.log(`\nDone in ${seconds.toFixed(1)} s (${(cases / seconds).toFixed(1)} cases/s; ${(seconds * timeScale).toFixed(0)} s of AWS time).`);
  console.log('\nCases per employee:');
  const rows = EXAMPLE_ROSTER.map((e) => ({ employee: `${e.name} (${e.id})`, cases: summary.perEmployee[e.id] ?? 0 }));
  console.table(rows);
  const latencies = outcomes.map((o) => o.durationMs);
  console.log('Latency of a case (ms):');
  console.table([{ p50: percentile(latencies, 50), p90: percentile(latencies, 90), p99: percentile(latencies, 99), max: Math.max(...latencies) }]);
  const retried = outcomes.reduce((n, o) => n + o.retries, 0);
  if (faultRate > 0) {
    const injected = { dynamodb: run.proxies.dynamodb?.injected, ses: run.proxies.ses?.injected, lambda: sortedKeys(run.lambdaInjected) };
    console.log(`Faults injected: ${JSON.stringify(injected)}; state retries: ${retried}`);
  }
  const { requestTimeouts, functionTimeouts, taskTimeouts } = run.machineOverruns();
  if (requestTimeouts + functionTimeouts + taskTimeouts > 0) {
    // Beyond the injected stalls (the demo injects no overrunning handlers): each of these is the
    // machine's real work outlasting a scaled bound plus the allowance.
    console.log(`Timeouts that fired: ${requestTimeouts} SDK request, ${functionTimeouts} function, ${taskTimeouts} task: this machine was`
      + ` slower than the real-time allowance (${realTimeAllowanceMs} ms), so another run of this seed may differ; raise --real-time-allowance,`
      + ' or slow AWS time down for a burst (--time-scale 0.25: this machine runs every invocation of a burst on one event loop)');
  }
  if (run.sesLimiter) {
    const { accepted, rateRefused, quotaRefused } = run.sesLimiter.counts;
    const emailsPerSecond = accepted / (seconds * timeScale);
    console.log(`SES limits: accepted ${accepted}, refused for the rate ${rateRefused}, for the daily quota ${quotaRefused}; ${emailsPerSecond.toFixed(2)} emails/s of AWS time`);
  }
  const errors: Record<string, number> = {};
  for (const o of outcomes) if (o.status !== 'SUCCEEDED') errors[o.error ?? '?'] = (errors[o.error ?? '?'] ?? 0) + 1;
  if (Object.keys(errors).length > 0) console.log(`Failed cases by error: ${JSON.stringify(sortedKeys(errors))}`);
  // An unacknowledged case's failure is the design's outcome, counted in the summary: not listed.
  for (const o of outcomes.filter((x) => x.status !== 'SUCCEEDED' && x.error !== CaseErrorName.CASE_UNACKNOWLEDGED).slice(0, 10)) {
    console.log(`  FAILED ${o.name}: ${o.error}: ${o.cause}`);
  }
  if (employees) {
    const c = employees.counts;
    console.log(`Simulated employees: ${c.rounds} rounds emailed, ${c.chose} chose to acknowledge: ${c.acknowledged} acknowledged, ${c.already} already acknowledged,`
      + ` ${c.refused} found the link no longer valid (the round had timed out), ${c.failed} failed`);
    const published = run.workflow.published.length;
    console.log(`Unacknowledged notifications published (SNS): ${published}`);
  }
  if (summary.misaddressed > 0) console.log(`WARNING: ${summary.misaddressed} emails went to someone other than the assigned employee`);
  if (summary.uncounted > 0) console.log(`WARNING: ${summary.uncounted} cases got more emails than 1 + their counted resends`);
  if (summary.unemailed > 0) console.log(`WARNING: ${summary.unemailed} cases got no email`);

  if (emailTemplate) await printFirstEmail(run, caseIds[0]);
  console.log(summaryLine(summary));
  if (values.keep) {
    console.log(`\nThe servers stay up. Read the emails at ${run.aws.sesEndpoint}/ (JSON at ${run.aws.sesEndpoint}/store);`
      + ` DynamoDB at ${run.aws.dynamodbEndpoint}, table ${run.workflow.tableName}.`);
    if (acknowledgement) await holdCaseForYou(run, acknowledgement, timeScale);
    console.log(`To stop: Ctrl+C, or kill -TERM ${process.pid} (or the npx process that started the demo).`);
    await new Promise<void>((resolve) => { endKeep = resolve; });
  }
  await run.stop();
  running = undefined;
  // Duplicates are allowed when they are counted resends (SES's outcome was unknown). With
  // acknowledgement on, an UNACKNOWLEDGED case's execution fails (CaseUnacknowledged) by design.
  const unacknowledged = outcomes.filter((o) => o.error === CaseErrorName.CASE_UNACKNOWLEDGED).length;
  const expectedFailures = acknowledgement && unacknowledged === summary.acknowledgement?.unacknowledged ? unacknowledged : 0;
  const ok = summary.failed === expectedFailures && summary.uncounted === 0 && summary.records === cases && summary.unemailed === 0;
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof UsageError || err instanceof TemplateFileError) {
      console.error(`demo: ${err.message}\n\n${USAGE}`);
    } else {
      console.error(err);
    }
    process.exit(2);
  },
);
