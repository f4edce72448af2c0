// Baseline "Assign Case", the tutorial's way: CommonJS, the client package from node_modules,
// the client built at module scope, one PutItem of the case record. It picks the employee from
// the same roster (EMPLOYEE_ROSTER) so that it does the same work as ours, minus validation
// and idempotency.
'use strict';

const { DynamoDBClient, PutItemCommand } = require('@aws-sdk/client-dynamodb');

const client = new DynamoDBClient({ region: process.env.AWS_REGION });

exports.handler = async (event) => {
  const roster = JSON.parse(process.env.EMPLOYEE_ROSTER);
  const employee = roster[Math.floor(Math.random() * roster.length)];
  const assignedAt = new Date().toISOString();
  await client.send(new PutItemCommand({
    TableName: process.env.CASE_TABLE_NAME,
    Item: {
      caseId: { S: event.caseId },
      status: { S: 'ASSIGNED' },
      employeeId: { S: employee.id },
      employeeName: { S: employee.name },
      employeeEmail: { S: employee.email },
      openedAt: { S: event.openedAt },
      assignedAt: { S: assignedAt },
      updatedAt: { S: assignedAt },
      emailStatus: { S: 'PENDING' },
    },
  }));
  return { caseId: event.caseId, openedAt: event.openedAt, assignedAt, employee };
};
