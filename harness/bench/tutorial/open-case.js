// Baseline "Open Case", written the way the AWS SDK for JavaScript v3 tutorial "Creating AWS
// serverless workflows" writes it: a CommonJS handler that returns the case id. No AWS call.
'use strict';

exports.handler = async (event) => {
  return { caseId: event.inputCaseID };
};
