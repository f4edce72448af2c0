import { App, Aspects, Duration, Stack, aws_dynamodb as dynamodb, aws_iam as iam, aws_kms as kms, aws_sns as sns } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as nag3 from 'cdk-nag';
import * as nag2 from 'cdk-nag-v2';
import { EmployeeRoster, SupportCaseWorkflow, SupportCaseWorkflowProps } from '../../src';

const ROSTER = EmployeeRoster.fromEmployees([{ id: 'a', name: 'A', email: 'a@example.com' }]);

type Variant = (stack: Stack) => Partial<SupportCaseWorkflowProps>;

/** The construct's configurations that the checks must pass. */
const VARIANTS: Record<string, Variant> = {
  'the defaults': () => ({}),
  'a brought table with a customer-managed KMS key, and a roster table with one too': (stack) => ({
    table: new dynamodb.Table(stack, 'Cases', {
      partitionKey: { name: 'caseId', type: dynamodb.AttributeType.STRING },
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    }),
    roster: EmployeeRoster.fromTable(new dynamodb.Table(stack, 'Roster', {
      partitionKey: { name: 'employeeId', type: dynamodb.AttributeType.STRING },
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    })),
  }),
  'an account in the SES sandbox (recipient identities)': () => ({ sandboxRecipients: ['a@example.com', 'example.org'] }),
  'a KMS key for the execution history and the table, closed cases expiring': (stack) => ({
    encryptionKey: new kms.Key(stack, 'Key', { enableKeyRotation: true }),
    closedCaseRetention: Duration.days(30),
  }),
  'acknowledgement on, with an encrypted topic for unacknowledged cases': (stack) => ({
    acknowledgement: {
      unacknowledgedTopic: new sns.Topic(stack, 'Unacknowledged', {
        masterKey: new kms.Key(stack, 'TopicKey', { enableKeyRotation: true }),
        enforceSSL: true,
      }),
    },
  }),
  'acknowledgement on, with a roster table': (stack) => ({
    acknowledgement: {},
    roster: EmployeeRoster.fromTable(new dynamodb.Table(stack, 'Roster', {
      partitionKey: { name: 'employeeId', type: dynamodb.AttributeType.STRING },
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
    })),
  }),
  'imported tables and a configuration set': (stack) => ({
    table: dynamodb.Table.fromTableName(stack, 'Cases', 'cases'),
    roster: EmployeeRoster.fromTable(dynamodb.Table.fromTableName(stack, 'Roster', 'roster')),
    configurationSetName: 'support-emails',
  }),
};

function stackWith(variant: Variant, app = new App()): Stack {
  const stack = new Stack(app, 'Nag');
  new SupportCaseWorkflow(stack, 'Support', { roster: ROSTER, senderEmail: 'support@example.com', ...variant(stack) });
  return stack;
}

/** cdk-nag 3.x: a validation plugin; returns its unacknowledged findings. */
function findingsV3(stack: Stack): string[] {
  const report = new nag3.AwsSolutionsChecks().validateScope(stack);
  return report.violations.map((v) => `${v.ruleName} (${v.severity}): ${v.description}`);
}

/** cdk-nag 2.x: an aspect that reports through annotations; returns its unsuppressed findings. */
function findingsV2(build: (app: App) => Stack): string[] {
  const app = new App();
  Aspects.of(app).add(new nag2.AwsSolutionsChecks());
  const stack = build(app);
  const annotations = Annotations.fromStack(stack);
  return [...annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-')), ...annotations.findWarning('*', Match.stringLikeRegexp('AwsSolutions-'))]
    .map((m) => `${m.id}: ${String(m.entry.data).split('\n')[0]}`);
}

describe.each(Object.entries(VARIANTS))('cdk-nag AwsSolutions, %s', (_name, variant) => {
  test('cdk-nag 3: no unacknowledged findings', () => {
    expect(findingsV3(stackWith(variant))).toEqual([]);
  });

  test('cdk-nag 2: no unsuppressed findings', () => {
    expect(findingsV2((app) => stackWith(variant, app))).toEqual([]);
  });
});

describe('the checks do run', () => {
  const loose = (stack: Stack) => {
    const role = new iam.Role(stack, 'Loose', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    role.addToPolicy(new iam.PolicyStatement({ actions: ['dynamodb:*'], resources: ['*'] }));
  };

  test('cdk-nag 3 reports a wildcard policy added next to the construct', () => {
    const stack = stackWith(VARIANTS['the defaults']);
    loose(stack);
    expect(findingsV3(stack)).toEqual(expect.arrayContaining([expect.stringContaining('AwsSolutions-IAM5[Action::dynamodb:*]')]));
  });

  test('cdk-nag 2 reports a wildcard policy added next to the construct', () => {
    const findings = findingsV2((app) => {
      const stack = stackWith(VARIANTS['the defaults'], app);
      loose(stack);
      return stack;
    });
    expect(findings).toEqual(expect.arrayContaining([expect.stringMatching(/\/Nag\/Loose\/DefaultPolicy\/Resource: .*AwsSolutions-IAM5\[Action::dynamodb:\*\]/)]));
  });
});

describe('acknowledgements', () => {
  const policies = () => Object.values<any>(Template.fromStack(stackWith(VARIANTS['the defaults'])).findResources('AWS::IAM::Policy'));

  test('the acknowledged "*" resources hold only actions that have no resource-level permissions', () => {
    // ses:GetSendQuota: no resource type in the Service Authorization Reference (list_amazonses.html)
    const allowedOnStar = /^(xray:(PutTraceSegments|PutTelemetryRecords|GetSamplingRules|GetSamplingTargets)|logs:(CreateLogDelivery|GetLogDelivery|UpdateLogDelivery|DeleteLogDelivery|ListLogDeliveries|PutResourcePolicy|DescribeResourcePolicies|DescribeLogGroups)|ses:GetSendQuota)$/;
    const onStar = policies()
      .flatMap((p) => p.Properties.PolicyDocument.Statement)
      .filter((s) => [s.Resource].flat().includes('*'))
      .flatMap((s) => [s.Action].flat());
    expect(onStar.length).toBeGreaterThan(0);
    for (const action of onStar) expect(action).toMatch(allowedOnStar);
  });

  test('cdk-nag 2 suppressions are exact (IAM5 only, each for one finding, with a reason) and sit on the role policies', () => {
    const withMetadata = policies().filter((p) => p.Metadata?.cdk_nag);
    expect(withMetadata).toHaveLength(4);
    for (const p of withMetadata) {
      for (const rule of p.Metadata.cdk_nag.rules_to_suppress) {
        expect(rule.id).toBe('AwsSolutions-IAM5');
        expect(rule.applies_to).toHaveLength(1);
        expect(rule.applies_to[0]).toMatch(/^Resource::(\*|<\w+\.Arn>:\*)$/);
        expect(rule.reason.length).toBeGreaterThanOrEqual(10);
      }
    }
  });
});
