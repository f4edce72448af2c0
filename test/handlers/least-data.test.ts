/** Least data: the handlers' errors and log lines carry ids, never an address. */
import { EmailRejectedError, withoutAddresses } from '../../src/handlers/errors.lambda-shared';
import { caseLogger } from '../../src/handlers/log.lambda-shared';

const SES_MESSAGE = 'Email address is not verified. The following identities failed the check in region EU-WEST-1: ana.souza@example.com, <bo@example.com>';

test('an address in a dependency\'s message is replaced before it becomes an error message', () => {
  const err = new EmailRejectedError(`SES refused the email of case 001: ${SES_MESSAGE}`, new Error(SES_MESSAGE));
  expect(err.message).toBe('SES refused the email of case 001: Email address is not verified. The following identities failed the check in region EU-WEST-1: <address>, <<address>>');
  expect(withoutAddresses('arn:aws:ses:eu-west-1:1:identity/ana@example.com')).toBe('arn:aws:ses:eu-west-1:1:<address>');
});

test('...and before it reaches a log line', () => {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation(((chunk: string) => lines.push(String(chunk))) as any);
  try {
    caseLogger('Send Email', '001').error('SES rejected the email', { err: Object.assign(new Error(SES_MESSAGE), { name: 'MessageRejected' }) });
  } finally {
    spy.mockRestore();
  }
  expect(lines.join('')).not.toMatch(/@example\.com/);
  expect(JSON.parse(lines[0]).errorMessage).toContain('<address>');
});
