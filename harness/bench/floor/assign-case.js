// Floor of "Assign Case": only what the step cannot avoid doing: load the DynamoDB client
// package from node_modules, construct the client, make the single PutItem. No handler logic.
'use strict';

const { DynamoDBClient, PutItemCommand } = require('@aws-sdk/client-dynamodb');

const client = new DynamoDBClient({});

exports.handler = (event) =>
  client.send(new PutItemCommand({ TableName: process.env.CASE_TABLE_NAME, Item: { caseId: { S: event.caseId } } }));
