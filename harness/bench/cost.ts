/**
 * Cost per million cases, from the synthesized template and the price table in prices.json.
 *
 * From the template: memory size and architecture of each of the three functions.
 * Measured: state transitions per case (local happy-path execution) and warm handler durations.
 *
 * costPer1M (what the construct's choices decide, Standard versus Express):
 *  - Lambda: 3 requests, plus memory (GB) x billed duration (each warm duration rounded up to 1 ms)
 *  - Standard: state transitions per case x the transition price
 *  - Express: 1 request, plus 64 MB (one memory chunk: the definition and a case's payload are
 *    small) x the execution's duration rounded up to 100 ms, the duration taken as the sum of
 *    the warm handler durations (Lambda's invoke latency is not modelled; below 100 ms the
 *    rounding covers it)
 * The services the case itself uses (DynamoDB writes, the SES email) are the same for both
 * types and are reported beside it, not in it. CloudWatch Logs and X-Ray are not modelled.
 *
 * Local durations understate AWS ones (loopback servers answer in ~1 ms, DynamoDB and SES in
 * a region take several to tens of ms), so read the Lambda and Express duration parts as a floor.
 */
import type { CfnTemplate } from '../example-app';
import { Step, STEP_FUNCTION_ID, STEPS } from './cold-start';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const PRICES: Prices = require('./prices.json');

export interface Prices {
  readonly recorded: string;
  readonly lambda: { usdPerMillionRequests: number; usdPerGbSecond: Record<string, number>; durationRoundingMs: number };
  readonly stepFunctions: {
    standard: { usdPerThousandStateTransitions: number };
    express: { usdPerMillionRequests: number; usdPerGbSecond: number; memoryIncrementMb: number; durationRoundingMs: number };
  };
  readonly dynamodb: { usdPerMillionWriteRequestUnits: number; usdPerMillionReadRequestUnits: number };
  readonly ses: { usdPerThousandEmails: number };
}

/**
 * AWS requests of one happy-path case, as the handlers make them (src/handlers): Assign Case
 * one conditional PutItem; Send Email two conditional UpdateItems (claim, record) and one SES
 * SendEmail. Items stay under 1 KB, so each write is one write request unit.
 */
export const HAPPY_PATH_REQUESTS = { dynamodbWriteUnits: 3, dynamodbReadUnits: 0, sesEmails: 1 } as const;

export interface FunctionConfig {
  readonly logicalId: string;
  readonly memoryMb: number;
  readonly architecture: string;
}

/** Lambda's defaults when the template leaves the properties out. */
const LAMBDA_DEFAULT_MEMORY_MB = 128;
const LAMBDA_DEFAULT_ARCHITECTURE = 'x86_64';

export function functionConfigs(template: CfnTemplate): Record<Step, FunctionConfig> {
  const functions = Object.entries(template.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function');
  return Object.fromEntries(STEPS.map((step) => {
    const matches = functions.filter(([id]) => id.includes(STEP_FUNCTION_ID[step]));
    if (matches.length !== 1) throw new Error(`expected one ${STEP_FUNCTION_ID[step]} in the template, found ${matches.length}`);
    const [logicalId, resource] = matches[0];
    return [step, {
      logicalId,
      memoryMb: resource.Properties?.MemorySize ?? LAMBDA_DEFAULT_MEMORY_MB,
      architecture: resource.Properties?.Architectures?.[0] ?? LAMBDA_DEFAULT_ARCHITECTURE,
    }];
  })) as Record<Step, FunctionConfig>;
}

function roundUp(value: number, increment: number): number {
  return Math.ceil(value / increment) * increment;
}

export interface CostModel {
  readonly pricesRecorded: string;
  /** USD per million cases, Lambda + Step Functions. */
  readonly standard: number;
  readonly express: number;
  readonly lambda: number;
  readonly standardTransitions: number;
  readonly expressRequestsAndDuration: number;
  /** USD per million cases for DynamoDB and SES (same for both types; not in standard/express). */
  readonly services: { readonly dynamodb: number; readonly ses: number };
  readonly billedMs: Record<Step, number>;
  readonly expressBilledMs: number;
}

/** USD of one invocation of a function billed `billedMs`: the request and the duration. */
function invocationUsd(f: FunctionConfig, billedMs: number, prices: Prices): number {
  const gbSecondPrice = prices.lambda.usdPerGbSecond[f.architecture];
  if (gbSecondPrice === undefined) throw new Error(`prices.json has no Lambda price for ${f.architecture}`);
  return prices.lambda.usdPerMillionRequests / 1e6 + (f.memoryMb / 1024) * (billedMs / 1000) * gbSecondPrice;
}

export function costModel(
  functions: Record<Step, FunctionConfig>,
  warmMs: Record<Step, number>,
  transitionsPerCase: number,
  prices: Prices = PRICES,
): CostModel {
  const million = 1e6;
  const billedMs = Object.fromEntries(STEPS.map((s) => [s, roundUp(warmMs[s], prices.lambda.durationRoundingMs)])) as Record<Step, number>;
  let lambdaPerCase = 0;
  for (const step of STEPS) lambdaPerCase += invocationUsd(functions[step], billedMs[step], prices);
  const standardPerCase = transitionsPerCase * (prices.stepFunctions.standard.usdPerThousandStateTransitions / 1000);
  const x = prices.stepFunctions.express;
  const expressBilledMs = roundUp(STEPS.reduce((sum, s) => sum + warmMs[s], 0), x.durationRoundingMs);
  const expressPerCase = x.usdPerMillionRequests / million + (x.memoryIncrementMb / 1024) * (expressBilledMs / 1000) * x.usdPerGbSecond;
  return {
    pricesRecorded: prices.recorded,
    standard: (lambdaPerCase + standardPerCase) * million,
    express: (lambdaPerCase + expressPerCase) * million,
    lambda: lambdaPerCase * million,
    standardTransitions: standardPerCase * million,
    expressRequestsAndDuration: expressPerCase * million,
    services: {
      dynamodb: HAPPY_PATH_REQUESTS.dynamodbWriteUnits * prices.dynamodb.usdPerMillionWriteRequestUnits
        + HAPPY_PATH_REQUESTS.dynamodbReadUnits * prices.dynamodb.usdPerMillionReadRequestUnits,
      ses: HAPPY_PATH_REQUESTS.sesEmails * prices.ses.usdPerThousandEmails * 1000,
    },
    billedMs,
    expressBilledMs,
  };
}

/**
 * USD per million cases on Standard when a case takes `invocationsPerCase[step]` Lambda
 * invocations (retries are invocations too, each billed at the step's warm duration) and
 * `transitionsPerCase` billed state transitions (entered states and retries). Lambda and Step
 * Functions only, as `standard` in costModel.
 */
export function standardCostPer1M(
  functions: Record<Step, FunctionConfig>,
  warmMs: Record<Step, number>,
  invocationsPerCase: Record<Step, number>,
  transitionsPerCase: number,
  prices: Prices = PRICES,
): number {
  let perCase = transitionsPerCase * (prices.stepFunctions.standard.usdPerThousandStateTransitions / 1000);
  for (const step of STEPS) {
    const billedMs = roundUp(warmMs[step], prices.lambda.durationRoundingMs);
    perCase += invocationsPerCase[step] * invocationUsd(functions[step], billedMs, prices);
  }
  return perCase * 1e6;
}
