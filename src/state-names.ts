/**
 * Names of the workflow's states. The three steps are named as in the seed tutorial.
 * Not part of the jsii API (index.ts does not export this module).
 */
export const STATE_NAMES = {
  OPEN_CASE: 'Open Case',
  ASSIGN_CASE: 'Assign Case',
  SEND_EMAIL: 'Send Email',
  RECORD_FAILURE: 'Record Failure',
  FAILURE_NOT_RECORDED: 'Failure Not Recorded',
  CASE_FAILED: 'Case Failed',
  EMAIL_SENT_NOT_RECORDED: 'Email Sent Not Recorded',
  READ_SENT_EMAIL: 'Read Sent Email',
  RECORD_SENT_EMAIL: 'Record Sent Email',
  EMAIL_RECORDED: 'Email Recorded',
};
