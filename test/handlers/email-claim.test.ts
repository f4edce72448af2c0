/** The email claim's decisions (the protocol against the servers: send-email.integration.test.ts). */
import { claimedFromOf, emailClaimState, resendsOnClaim } from '../../src/handlers/email-claim.lambda-shared';

describe('email claim protocol decisions', () => {
  const base = { emailAmbiguousResends: 0 } as any;
  const now = new Date('2026-11-25T10:00:00.000Z');
  const ago = (s: number) => new Date(now.getTime() - s * 1000).toISOString();

  test.each([
    ['PENDING', {}, 'free'],
    ['UNCERTAIN', {}, 'free'],
    ['SENT', {}, 'sent'],
    ['SENDING', { emailAttemptId: 'me', emailClaimedAt: ago(0) }, 'ours'],
    ['SENDING', { emailAttemptId: 'other', emailClaimedAt: ago(10) }, 'held'],
    ['SENDING', { emailAttemptId: 'other', emailClaimedAt: ago(60) }, 'abandoned'],
    ['SENDING', { emailAttemptId: 'other' }, 'abandoned'],
  ])('%s %j is %s', (emailStatus, extra, kind) => {
    expect(emailClaimState({ ...base, emailStatus, ...extra }, 'me', now, 60).kind).toBe(kind);
  });

  test('only a claim replacing PENDING can be a first email; anything else counts as a possible resend', () => {
    expect(claimedFromOf({ emailClaimedFrom: 'PENDING' })).toBe('PENDING');
    for (const v of ['UNCERTAIN', 'SENDING', undefined]) expect(claimedFromOf({ emailClaimedFrom: v })).toBe('UNCERTAIN');
    expect(resendsOnClaim('PENDING', 0)).toBe(0);
    expect(resendsOnClaim('UNCERTAIN', 2)).toBe(3);
  });
});
