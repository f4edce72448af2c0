/**
 * The example CDK app that the demo, the end-to-end tests and the benchmarks synthesize:
 * one stack holding one SupportCaseWorkflow, as a consumer team would write it.
 * Run directly (`ts-node harness/example-app.ts`) it is a CDK app (`cdk synth --app ...`).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Duration, RemovalPolicy, Stack, aws_dynamodb as dynamodb, aws_lambda as lambda, aws_sns as sns, aws_stepfunctions as sfn } from 'aws-cdk-lib';
import { EmailTemplate, Employee, EmployeeRoster, SupportCaseWorkflow } from '../src';
import { ROSTER_TABLE_PARTITION_KEY } from '../src/shared/contract';

export const EXAMPLE_STACK_NAME = 'SupportCaseExample';
export const EXAMPLE_SENDER = 'support@example.com';
export const EXAMPLE_SENDER_NAME = 'Support Team';
export const EXAMPLE_REPLY_TO = ['support-queue@example.com'];
/** The team's own email (the harness tells an email's case from its message tag, not its wording). */
export const EXAMPLE_EMAIL_TEMPLATE: EmailTemplate = {
  subject: 'New support case {{caseId}} is assigned to you',
  text: [
    'Hi {{employeeName}},',
    '',
    'case {{caseId}} is yours{{#priority}} (priority {{priority}}){{/priority}}.{{#title}}',
    '"{{title}}"{{/title}}{{#customerName}}',
    'Customer: {{customerName}}{{/customerName}}{{#link}}',
    'Ticket: {{link}}{{/link}}',
    '',
    'Opened {{openedAt}}, assigned to you {{assignedAt}}. Reply to reach the support queue.',
    '-- The Support Team',
  ].join('\n'),
  html: [
    '<p>Hi {{employeeName}},</p>',
    '<p>case <strong>{{caseId}}</strong> is yours{{#priority}} (priority <em>{{priority}}</em>){{/priority}}.</p>',
    '{{#title}}<blockquote id="title">{{title}}</blockquote>{{/title}}{{#customerName}}<p>Customer: {{customerName}}</p>{{/customerName}}',
    '{{#link}}<p><a href="{{link}}">Open the ticket</a></p>{{/link}}',
    '<p><small>Opened {{openedAt}}, assigned to you {{assignedAt}}. Reply to reach the support queue.</small></p>',
  ].join('\n'),
};
/** The team's email with acknowledgement on: the same, with the escalation and the acknowledge link. */
export const EXAMPLE_ACK_EMAIL_TEMPLATE: EmailTemplate = {
  subject: EXAMPLE_EMAIL_TEMPLATE.subject,
  text: EXAMPLE_EMAIL_TEMPLATE.text!.replace('\n\nOpened', '{{#escalatedFrom}}\nEscalated from {{escalatedFrom}} after {{escalatedAfter}}.{{/escalatedFrom}}'
    + '{{#acknowledgeUrl}}\nAcknowledge the case: {{acknowledgeUrl}}{{/acknowledgeUrl}}\n\nOpened'),
  html: EXAMPLE_EMAIL_TEMPLATE.html!.replace('<p><small>', '{{#escalatedFrom}}<p>Escalated from {{escalatedFrom}} after {{escalatedAfter}}.</p>{{/escalatedFrom}}\n'
    + '{{#acknowledgeUrl}}<p><a href="{{acknowledgeUrl}}" target="_blank" rel="noopener noreferrer">Acknowledge the case</a></p>{{/acknowledgeUrl}}\n<p><small>'),
};
export const EXAMPLE_ROSTER: Employee[] = [
  { id: 'emp-001', name: 'Ana Souza', email: 'ana.souza@example.com' },
  { id: 'emp-002', name: 'Bilal Khan', email: 'bilal.khan@example.com' },
  { id: 'emp-003', name: 'Chen Wei', email: 'chen.wei@example.com' },
  { id: 'emp-004', name: 'Dana Novak', email: 'dana.novak@example.com' },
  { id: 'emp-005', name: 'Emeka Obi', email: 'emeka.obi@example.com' },
];

export interface ExampleOptions {
  readonly workflowType?: sfn.StateMachineType;
  /** Leave the stack empty (the baseline of the synth benchmark). */
  readonly empty?: boolean;
  /** Keep the roster in a DynamoDB table (read for every case: no cache) instead of a fixed list. */
  readonly rosterTable?: boolean;
  /** The fixed roster (default `EXAMPLE_ROSTER`). */
  readonly roster?: Employee[];
  /** The email template (default `EXAMPLE_EMAIL_TEMPLATE`). */
  readonly emailTemplate?: EmailTemplate;
  /** The functions' application log level (the construct's `logLevel`). */
  readonly logLevel?: lambda.ApplicationLogLevel;
  /** Turn acknowledge-or-escalate on (the construct's `acknowledgement`), with a topic for unacknowledged cases. */
  readonly acknowledgement?: ExampleAcknowledgement;
}

/** The example's acknowledgement settings. */
export interface ExampleAcknowledgement {
  /** Seconds of AWS time a round waits for its acknowledgement. */
  readonly escalateAfterSeconds: number;
  readonly maxRounds: number;
  /** The acknowledge page's reserved concurrency (default: the construct's). */
  readonly pageConcurrency?: number;
}

export function buildExampleApp(outdir: string, options: ExampleOptions = {}): { app: App; stack: Stack } {
  // Asset metadata (aws:asset:path) tells the local runner where each function's bundle is.
  const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
  const stack = new Stack(app, EXAMPLE_STACK_NAME, { env: { account: '123456789012', region: 'us-east-1' } });
  if (!options.empty) {
    const roster = options.rosterTable
      ? EmployeeRoster.fromTable(new dynamodb.Table(stack, 'Roster', {
        partitionKey: { name: ROSTER_TABLE_PARTITION_KEY, type: dynamodb.AttributeType.STRING },
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        removalPolicy: RemovalPolicy.DESTROY,
      }), { cacheTtl: Duration.seconds(0) })
      : EmployeeRoster.fromEmployees(options.roster ?? EXAMPLE_ROSTER);
    new SupportCaseWorkflow(stack, 'Support', {
      roster,
      senderEmail: EXAMPLE_SENDER,
      senderName: EXAMPLE_SENDER_NAME,
      replyToAddresses: EXAMPLE_REPLY_TO,
      emailTemplate: options.emailTemplate ?? (options.acknowledgement ? EXAMPLE_ACK_EMAIL_TEMPLATE : EXAMPLE_EMAIL_TEMPLATE),
      workflowType: options.workflowType,
      logLevel: options.logLevel,
      ...(options.acknowledgement ? {
        acknowledgement: {
          escalateAfter: Duration.seconds(options.acknowledgement.escalateAfterSeconds),
          maxRounds: options.acknowledgement.maxRounds,
          pageConcurrency: options.acknowledgement.pageConcurrency,
          unacknowledgedTopic: new sns.Topic(stack, 'Unacknowledged'),
        },
      } : {}),
    });
  }
  return { app, stack };
}

/** A synthesized example: the stack's template and the cloud assembly folder holding its assets. */
export interface SynthesizedExample {
  readonly template: CfnTemplate;
  readonly assemblyDir: string;
}

export interface CfnTemplate {
  readonly Resources: Record<string, { Type: string; Properties?: any; Metadata?: Record<string, any> }>;
}

export function synthExample(options: ExampleOptions = {}, outdir = mkdtempSync(join(tmpdir(), 'support-case-cdk-'))): SynthesizedExample {
  const { app } = buildExampleApp(outdir, options);
  const assembly = app.synth();
  return { template: assembly.getStackByName(EXAMPLE_STACK_NAME).template, assemblyDir: assembly.directory };
}

if (require.main === module) {
  const outdir = process.env.CDK_OUTDIR ?? 'cdk.out';
  const { app } = buildExampleApp(outdir, { empty: process.argv.includes('--empty') });
  app.synth();
}
