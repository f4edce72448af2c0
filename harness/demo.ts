/**
 * `npx projen demo`: a realistic batch of support cases through the synthesized workflow,
 * on local DynamoDB, SES and Step Functions. Ends with one summary line.
 *
 *   --cases N        how many cases (default 25)
 *   --concurrency N  executions at once (default 10)
 *   --fault-rate R   share of DynamoDB, SES and Lambda requests to fail (default 0)
 *   --seed S         seed of the injected faults (default 1)
 *   --express        synthesize an Express workflow instead of Standard
 *   --keep           leave the servers up and print the SES emulator's page
 */
import { parseArgs } from 'node:util';
import { aws_stepfunctions as sfn } from 'aws-cdk-lib';
import { SingleBar, Presets } from 'cli-progress';
import { EXAMPLE_ROSTER } from './example-app';
import { startLocalRun } from './local-run';
import { percentile, summaryLine } from './summary';

function positiveInt(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer, got ${value}`);
  return n;
}

const DEMO_TITLES = ['Cannot log in after password reset', 'Invoice shows <b>twice</b> the amount', 'Export to CSV is empty', 'App crashes on start 😢'];
const DEMO_CUSTOMERS = ['ACME Corp.', 'Müller & Söhne', 'شركة النور', 'Globex'];

/** Case details in the execution input (every fourth case has none, as the tutorial's input). */
function demoDetails(i: number): Record<string, string> | undefined {
  if (i % 4 === 3) return undefined;
  return {
    title: DEMO_TITLES[i % DEMO_TITLES.length],
    priority: ['P1', 'P2', 'P3'][i % 3],
    customerName: DEMO_CUSTOMERS[i % DEMO_CUSTOMERS.length],
    link: `https://tickets.example.com/cases/${i + 1}?view=full&tab=history`,
  };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      'cases': { type: 'string', default: '25' },
      'concurrency': { type: 'string', default: '10' },
      'fault-rate': { type: 'string', default: '0' },
      'seed': { type: 'string', default: '1' },
      'express': { type: 'boolean', default: false },
      'keep': { type: 'boolean', default: false },
    },
  });
  const cases = positiveInt('cases', values.cases!);
  const concurrency = positiveInt('concurrency', values.concurrency!);
  const faultRate = Number(values['fault-rate']);
  if (!(faultRate >= 0 && faultRate < 1)) throw new Error(`--fault-rate must be in [0, 1), got ${values['fault-rate']}`);
  const seed = Number(values.seed);
  const workflowType = values.express ? sfn.StateMachineType.EXPRESS : sfn.StateMachineType.STANDARD;

  console.log(`Synthesizing the example app (one SupportCaseWorkflow, ${workflowType}, ${EXAMPLE_ROSTER.length} employees)...`);
  const run = await startLocalRun({ faultRate, seed, workflowType });
  console.log(`Local DynamoDB ${run.aws.dynamodbEndpoint}, local SES ${run.aws.sesEndpoint}, table ${run.workflow.tableName}`);
  if (faultRate > 0) console.log(`Injecting faults into ${(faultRate * 100).toFixed(1)} % of DynamoDB, SES and Lambda requests (seed ${seed})`);

  // Case ids in the tutorial's style ("001", "002", ...).
  const width = Math.max(3, String(cases).length);
  const caseIds = Array.from({ length: cases }, (_, i) => String(i + 1).padStart(width, '0'));
  console.log(`Running ${cases} cases, ${concurrency} at a time: Open Case -> Assign Case -> Send Email`);

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

  const summary = await run.summarize(caseIds, outcomes);
  console.log(`\nDone in ${seconds.toFixed(1)} s (${(cases / seconds).toFixed(1)} cases/s).`);
  console.log('\nCases per employee:');
  const rows = EXAMPLE_ROSTER.map((e) => ({ employee: `${e.name} (${e.id})`, cases: summary.perEmployee[e.id] ?? 0 }));
  console.table(rows);
  const latencies = outcomes.map((o) => o.durationMs);
  console.log('Latency of a case (ms):');
  console.table([{ p50: percentile(latencies, 50), p90: percentile(latencies, 90), p99: percentile(latencies, 99), max: Math.max(...latencies) }]);
  const retried = outcomes.reduce((n, o) => n + o.retries, 0);
  if (faultRate > 0) {
    const injected = { dynamodb: run.proxies.dynamodb?.injected, ses: run.proxies.ses?.injected };
    console.log(`Faults injected: ${JSON.stringify(injected)}; state retries: ${retried}`);
  }
  for (const o of outcomes.filter((x) => x.status === 'FAILED').slice(0, 10)) {
    console.log(`  FAILED ${o.name}: ${o.error}: ${o.cause}`);
  }
  if (summary.misaddressed > 0) console.log(`WARNING: ${summary.misaddressed} emails went to someone other than the assigned employee`);

  if (values.keep) {
    console.log(`\nThe servers stay up. Read the emails at ${run.aws.sesEndpoint}/ (JSON at ${run.aws.sesEndpoint}/store).`);
    console.log('Press Ctrl+C to stop.');
    console.log(summaryLine(summary));
    await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
  } else {
    console.log(summaryLine(summary));
  }
  await run.stop();
  const ok = summary.failed === 0 && summary.duplicates === 0 && summary.emails === cases && summary.records === cases;
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(2);
  },
);
