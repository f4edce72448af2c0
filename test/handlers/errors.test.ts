/**
 * One rule for "was it sent?": only a service error the SDK parsed whole, with a 4xx
 * status, means the request was not carried out. The shapes are those the AWS SDK v3 gives: a
 * parsed service error has `$fault` and `$metadata`; an answer cut mid-body (the SDK's
 * deserializer attaches `$metadata` with the status it had read) keeps Node's network `code`.
 */
import { isTransientAwsError, mayHaveBeenSent, rethrowAwsError, sesQuotaRefusal } from '../../src/handlers/errors.lambda-shared';

const parsed = (name: string, status: number, extra: object = {}) => Object.assign(new Error(name), {
  name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, ...extra,
});
const cut = (status: number, code = 'ECONNRESET') => Object.assign(new Error('aborted'), { code, $metadata: { httpStatusCode: status } });
const undecodable = (status: number) => Object.assign(new SyntaxError('Unexpected end of XML'), { $metadata: { httpStatusCode: status } });

describe('mayHaveBeenSent', () => {
  test.each([
    ['a parsed 400 MessageRejected', parsed('MessageRejected', 400)],
    ['a parsed 400 Throttling', parsed('Throttling', 400, { $retryable: { throttling: true } })],
    ['a parsed 403 AccessDenied', parsed('AccessDenied', 403)],
  ])('%s: nothing was sent', (_what, err) => expect(mayHaveBeenSent(err)).toBe(false));

  test.each([
    ['a 200 answer cut mid-body (ECONNRESET)', cut(200)],
    ['a 400 answer cut mid-body (ECONNRESET)', cut(400)],
    ['an undecodable 200 answer', undecodable(200)],
    ['an undecodable 400 answer', undecodable(400)],
    ['a parsed 500', parsed('InternalFailure', 500)],
    ['a request timeout', Object.assign(new Error('timed out'), { name: 'TimeoutError' })],
    ['an aborted request (deadline)', Object.assign(new Error('aborted'), { name: 'AbortError' })],
    ['a reset before any answer', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })],
    ['an error with no SDK metadata (another realm)', new Error('wrapped')],
  ])('%s: may have been sent', (_what, err) => expect(mayHaveBeenSent(err)).toBe(true));

  test('a cut throttling answer is no quota refusal', () => {
    expect(sesQuotaRefusal(Object.assign(cut(400), { name: 'Throttling' }))).toBeUndefined();
    expect(sesQuotaRefusal(parsed('Throttling', 400))).toBe('rate');
  });
});

describe('isTransientAwsError (DynamoDB and the rest)', () => {
  test.each([
    ['a 200 answer cut mid-body', cut(200)],
    ['a 400 answer cut mid-body', cut(400)],
    ['an undecodable 200 answer', undecodable(200)],
    ['a parsed throttle', parsed('ThrottlingException', 400, { $retryable: { throttling: true } })],
    ['a parsed 500', parsed('InternalServerError', 500)],
  ])('%s is transient (DependencyUnavailable)', (_what, err) => {
    expect(isTransientAwsError(err)).toBe(true);
    expect(() => rethrowAwsError(err, 'x')).toThrow(expect.objectContaining({ name: 'DependencyUnavailable' }));
  });

  test.each([
    ['a parsed ValidationException', parsed('ValidationException', 400)],
    ['a parsed AccessDeniedException', parsed('AccessDeniedException', 400)],
    ['a parsed ResourceNotFoundException', parsed('ResourceNotFoundException', 400)],
  ])('%s is permanent', (_what, err) => expect(isTransientAwsError(err)).toBe(false));
});
