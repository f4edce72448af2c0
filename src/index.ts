export * from './acknowledgement-options';
export * from './email-template';
export * from './employee-roster';
export * from './workflow/props';
export * from './workflow/support-case-workflow';
