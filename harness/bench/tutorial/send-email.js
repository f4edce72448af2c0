// Baseline "Send Email", the tutorial's way: CommonJS, both client packages from node_modules,
// clients at module scope, one SES SendEmail and one DynamoDB UpdateItem marking the case
// emailed (no claim, no exactly-once bookkeeping).
'use strict';

const { SESClient, SendEmailCommand } = require('@aws-sdk/client-ses');
const { DynamoDBClient, UpdateItemCommand } = require('@aws-sdk/client-dynamodb');

const ses = new SESClient({ region: process.env.AWS_REGION });
const dynamodb = new DynamoDBClient({ region: process.env.AWS_REGION });

exports.handler = async (event) => {
  const c = event.case;
  const subject = `New support case ${c.caseId} is assigned to you`;
  const text = `Hello ${c.employee.name},\n\nSupport case ${c.caseId} (opened ${c.openedAt}) is now yours.`;
  const { MessageId } = await ses.send(new SendEmailCommand({
    Source: process.env.SENDER_EMAIL,
    Destination: { ToAddresses: [c.employee.email] },
    Message: {
      Subject: { Data: subject },
      Body: { Text: { Data: text }, Html: { Data: `<p>${text}</p>` } },
    },
  }));
  const emailedAt = new Date().toISOString();
  await dynamodb.send(new UpdateItemCommand({
    TableName: process.env.CASE_TABLE_NAME,
    Key: { caseId: { S: c.caseId } },
    UpdateExpression: 'SET emailStatus = :sent, messageId = :mid, emailedAt = :at, #status = :emailed',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: {
      ':sent': { S: 'SENT' }, ':mid': { S: MessageId }, ':at': { S: emailedAt }, ':emailed': { S: 'EMAILED' },
    },
  }));
  return { caseId: c.caseId, employee: c.employee, messageId: MessageId, assignedAt: c.assignedAt, emailedAt };
};
