/**
 * The construct's environment against the handlers' reading of it: what the synthesized functions
 * get is what the acknowledgement handlers accept (a missing or malformed setting is their
 * ConfigurationError), so neither side can drift from the contract's ENV names alone.
 */
import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { maxRoundsSetting, sendEmailAckSettings } from '../../src/handlers/acknowledge-link.lambda-shared';
import { ENV } from '../../src/shared/contract';
import { logicalIdOf, workflowStack } from '../template-helpers';

/** A function URL as Lambda gives it (`FunctionUrl` of AWS::Lambda::Url). */
const PAGE_URL = 'https://abcdefghijklmnopqrstuvwxyz012345.lambda-url.eu-west-1.on.aws/';

/** The function's environment, the page URL's token replaced by a URL as AWS gives it. */
function environmentOf(template: Template, fragment: string): Record<string, string> {
  const vars = template.toJSON().Resources[logicalIdOf(template, 'AWS::Lambda::Function', fragment)].Properties.Environment.Variables;
  return Object.fromEntries(Object.entries<any>(vars).map(([k, v]) => [k, k === ENV.ACK_PAGE_URL ? PAGE_URL : v]));
}

function withEnvironment<T>(env: Record<string, string>, read: () => T): T {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    return read();
  } finally {
    process.env = saved;
  }
}

const { template } = workflowStack({ acknowledgement: { escalateAfter: Duration.minutes(20), maxRounds: 4 } });

test('Send Email reads its link settings from what the construct sets', () => {
  expect(withEnvironment(environmentOf(template, 'SendEmailFunction'), sendEmailAckSettings)).toEqual({
    pageUrl: PAGE_URL, escalateAfterSeconds: 20 * 60, linkTtlSeconds: 20 * 60 + 15 * 60,
  });
});

test('Escalate Case reads its rounds from what the construct sets', () => {
  expect(withEnvironment(environmentOf(template, 'EscalateCaseFunction'), maxRoundsSetting)).toBe(4);
});

test('acknowledgement off: Send Email has no link settings (today\'s emails)', () => {
  expect(withEnvironment(environmentOf(workflowStack().template, 'SendEmailFunction'), sendEmailAckSettings)).toBeUndefined();
});
