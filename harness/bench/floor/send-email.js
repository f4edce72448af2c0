// Floor of "Send Email": only what the step cannot avoid doing: load the SES and DynamoDB client
// packages from node_modules, construct both clients, send the email and record it with one
// UpdateItem. No handler logic, no claim.
'use strict';

const { SESClient, SendEmailCommand } = require('@aws-sdk/client-ses');
const { DynamoDBClient, UpdateItemCommand } = require('@aws-sdk/client-dynamodb');

const ses = new SESClient({});
const dynamodb = new DynamoDBClient({});

exports.handler = async (event) => {
  const c = event.case;
  await ses.send(new SendEmailCommand({
    Source: process.env.SENDER_EMAIL,
    Destination: { ToAddresses: [c.employee.email] },
    Message: { Subject: { Data: c.caseId }, Body: { Text: { Data: c.caseId } } },
  }));
  await dynamodb.send(new UpdateItemCommand({
    TableName: process.env.CASE_TABLE_NAME,
    Key: { caseId: { S: c.caseId } },
    UpdateExpression: 'SET emailStatus = :sent',
    ExpressionAttributeValues: { ':sent': { S: 'SENT' } },
  }));
};
