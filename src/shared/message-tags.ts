/**
 * The SES message tag that names the case an email is about. SES hands message tags on with the
 * email's sending events (delivery, bounce, complaint) when a configuration set publishes them
 * (https://docs.aws.amazon.com/ses/latest/dg/event-publishing-retrieving-sns-examples.html), so a
 * bounce can be traced to its case; the local harness counts emails per case by it, whatever the
 * team's templates say.
 *
 * A tag value may hold only ASCII letters, digits, `_` and `-` (SES API reference, MessageTag:
 * https://docs.aws.amazon.com/ses/latest/APIReference/API_MessageTag.html). A case id may also
 * hold `.`: such an id goes, base64url-encoded (the same alphabet), in a tag of another name.
 */

/** Tag name of a case id that fits a tag value as it is. */
export const CASE_ID_TAG = 'caseId';
/** Tag name of a case id that does not (it holds a `.`), base64url-encoded without padding. */
export const CASE_ID_BASE64URL_TAG = 'caseIdBase64url';

const TAG_VALUE = /^[A-Za-z0-9_-]{1,256}$/;

export interface MessageTag {
  readonly Name: string;
  readonly Value: string;
}

/** The message tags that name case `caseId`. */
export function caseIdMessageTags(caseId: string): MessageTag[] {
  if (TAG_VALUE.test(caseId)) return [{ Name: CASE_ID_TAG, Value: caseId }];
  return [{ Name: CASE_ID_BASE64URL_TAG, Value: Buffer.from(caseId, 'utf8').toString('base64url') }];
}

/** The case id that message tags name (undefined when they name none). */
export function caseIdFromMessageTags(tags: readonly MessageTag[] | undefined): string | undefined {
  const plain = tags?.find((t) => t.Name === CASE_ID_TAG)?.Value;
  if (plain !== undefined) return plain;
  const encoded = tags?.find((t) => t.Name === CASE_ID_BASE64URL_TAG)?.Value;
  return encoded === undefined ? undefined : Buffer.from(encoded, 'base64url').toString('utf8');
}
