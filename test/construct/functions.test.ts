/** The step functions: runtime, architecture, timeouts, tracing and what each is told. */
import { Duration } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { workflowStack } from '../template-helpers';

describe('functions', () => {
  const { workflow, template } = workflowStack();

  test('three functions, newest Node runtime, arm64, with timeouts and tracing', () => {
    template.resourceCountIs('AWS::Lambda::Function', 3);
    template.allResourcesProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Timeout: 10,
      MemorySize: 256,
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: Match.objectLike({ LogFormat: 'JSON' }),
    });
    expect([workflow.openCaseFunction, workflow.assignCaseFunction, workflow.sendEmailFunction].map((f) => f.node.id))
      .toEqual(['OpenCaseFunction', 'AssignCaseFunction', 'SendEmailFunction']);
  });

  test('Assign Case gets the table and the roster; Send Email gets the table and the sender', () => {
    const assign = template.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: { SUPPORT_CASE_CONFIG_DIR: Match.anyValue() } } } });
    expect(Object.keys(assign)).toHaveLength(1);
    const vars = (Object.values(assign)[0] as any).Properties.Environment.Variables;
    expect(vars.SUPPORT_CASE_CONFIG_DIR).toBe('/opt/support-case-workflow');
    expect(vars.EMPLOYEE_ROSTER).toBeUndefined();
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ SENDER_EMAIL: 'support@example.com', EMAIL_LEASE_SECONDS: '81' }) },
    });
  });

  test('architecture, memory and timeouts can be changed', () => {
    const t = workflowStack({ memorySize: 512, handlerTimeout: Duration.seconds(20), taskTimeout: Duration.seconds(40) }).template;
    t.allResourcesProperties('AWS::Lambda::Function', { MemorySize: 512, Timeout: 20 });
  });
});
