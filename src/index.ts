export * from './email-template';
export * from './employee-roster';
export * from './support-case-workflow';
