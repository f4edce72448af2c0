/**
 * Whom the Send Email function may mail: with a fixed roster, IAM itself limits its SES right to
 * the roster's addresses (`ses:Recipients`), so that even a forged input could not borrow the
 * role for an outside address. The SES guide documents the key for this use: "Restricting the
 * recipients" (https://docs.aws.amazon.com/ses/latest/dg/control-user-access.html).
 */
import { Token } from 'aws-cdk-lib';
import { EmployeeRoster } from './employee-roster';

/**
 * At most this many characters of addresses go into the condition: a role's inline policies share
 * 10,240 characters (IAM quota), and the rest of the role's policy needs room. A larger fixed
 * roster keeps only the sender condition (the handler still mails only the stored assignee).
 */
const MAX_RECIPIENT_CHARACTERS = 4096;

/** The `ses:Recipients` condition for `roster`, or nothing when its addresses are not known at synth or do not fit. */
export function recipientsCondition(roster: EmployeeRoster): Record<string, Record<string, string[]>> {
  const recipients = roster._recipients();
  if (!recipients || recipients.some((r) => Token.isUnresolved(r))) return {};
  const size = recipients.reduce((n, r) => n + r.length + 3, 0);
  if (size > MAX_RECIPIENT_CHARACTERS) return {};
  // ForAllValues: every recipient of the request must be one of these (case-insensitive, as domains are).
  return { 'ForAllValues:StringEqualsIgnoreCase': { 'ses:Recipients': recipients } };
}
