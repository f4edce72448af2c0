/**
 * The operations pack: dashboard, alarms (and their actions), log groups, log level and the
 * metrics and grants the construct exposes, asserted on the synthesized template.
 */
import { App, RemovalPolicy, Stack, aws_iam as iam, aws_lambda as lambda, aws_logs as logs, aws_sns as sns, aws_stepfunctions as sfn } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { EmployeeRoster, SupportCaseWorkflow, SupportCaseWorkflowProps } from '../../src';
import { METRICS_ENV } from '../../src/shared/contract';
import { dashboardBody } from '../template-helpers';

const ROSTER = EmployeeRoster.fromEmployees([
  { id: 'e1', name: 'Ana', email: 'ana@example.com' },
  { id: 'e2', name: 'Bo', email: 'bo@example.com' },
]);

function stackWith(props: Partial<SupportCaseWorkflowProps> = {}): { stack: Stack; workflow: SupportCaseWorkflow; template: Template } {
  const stack = new Stack(new App(), 'Ops', { env: { account: '111111111111', region: 'eu-west-1' } });
  const workflow = new SupportCaseWorkflow(stack, 'Support', { roster: ROSTER, senderEmail: 'support@example.com', ...props });
  // Synthesized when first read, so that a test may add to the stack first.
  return {
    stack,
    workflow,
    get template() {
      return Template.fromStack(stack);
    },
  };
}

const ref = (stack: Stack, construct: { node: { defaultChild?: unknown } }) => ({ Ref: stack.getLogicalId(construct.node.defaultChild as any) });

function alarms(template: Template): Record<string, any> {
  return template.findResources('AWS::CloudWatch::Alarm');
}

describe('dashboard', () => {
  const { template, workflow } = stackWith();
  const body = dashboardBody(template);
  const titles = body.widgets.map((w: any) => w.properties.title);

  test('holds the executions, step, email and assignment graphs and the alarms\' state', () => {
    expect(titles).toEqual([
      'Executions', 'Execution time (p50, p99)', 'Emails',
      'Step duration (p50, p99)', 'Step errors', 'Cases assigned per employee',
      'Alarms',
    ]);
  });

  const widget = (title: string) => body.widgets.find((w: any) => w.properties.title === title).properties;
  const metricNames = (title: string) => widget(title).metrics.map((m: any[]) => m.filter((x) => typeof x === 'string')[1]);

  test('executions: started, succeeded, failed, timed out, aborted, throttled', () => {
    expect(metricNames('Executions')).toEqual([
      'ExecutionsStarted', 'ExecutionsSucceeded', 'ExecutionsFailed', 'ExecutionsTimedOut', 'ExecutionsAborted', 'ExecutionThrottled',
      'InvalidCaseInputs', // failed executions that do not page (handlers/bad-input-alarm.test.ts)
    ]);
    expect(widget('Executions').metrics.every((m: any[]) => m[0] === 'AWS/States' || m[1] === 'InvalidCaseInputs')).toBe(true);
  });

  test('per-step duration at p50 and p99 and per-step errors, for the three functions', () => {
    const duration = widget('Step duration (p50, p99)').metrics;
    expect(duration).toHaveLength(6);
    expect(duration.map((m: any[]) => m.at(-1).stat)).toEqual(['p50', 'p99', 'p50', 'p99', 'p50', 'p99']);
    expect(duration.map((m: any[]) => m.at(-1).label)).toEqual([
      'Open Case p50', 'Open Case p99', 'Assign Case p50', 'Assign Case p99', 'Send Email p50', 'Send Email p99',
    ]);
    expect(duration.every((m: any[]) => m[0] === 'AWS/Lambda' && m[1] === 'Duration')).toBe(true);
    expect(metricNames('Step errors')).toEqual(['Errors', 'Errors', 'Errors']);
  });

  test('emails sent, throttled, queued for a send slot and resent: the handlers\' EMF metrics, by workflow', () => {
    const metrics = widget('Emails').metrics;
    expect(metrics.map((m: any[]) => m.slice(0, 4))).toEqual([
      ['SupportCaseWorkflow', 'EmailsSent', 'Workflow', workflow.metricsWorkflowName],
      ['SupportCaseWorkflow', 'EmailsThrottled', 'Workflow', workflow.metricsWorkflowName],
      ['SupportCaseWorkflow', 'EmailsQueued', 'Workflow', workflow.metricsWorkflowName],
      ['SupportCaseWorkflow', 'EmailsResent', 'Workflow', workflow.metricsWorkflowName],
    ]);
  });

  test('cases per employee: a search over the EmployeeId dimension of this workflow (one line per employee)', () => {
    const [[expression]] = widget('Cases assigned per employee').metrics;
    expect(expression.expression).toBe(
      `SEARCH('{SupportCaseWorkflow,Workflow,EmployeeId} MetricName="CasesAssigned" Workflow="${workflow.metricsWorkflowName}"', 'Sum', 300)`);
  });

  test('the alarm widget lists every alarm', () => {
    expect(widget('Alarms').alarms).toHaveLength(6);
  });

  test('can be named, or left out', () => {
    stackWith({ dashboardName: 'support-ops' }).template.hasResourceProperties('AWS::CloudWatch::Dashboard', { DashboardName: 'support-ops' });
    const { template: none, workflow: w } = stackWith({ dashboardEnabled: false });
    none.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(w.dashboard).toBeUndefined();
  });

  test('without alarms there is no alarm widget', () => {
    const titlesWithout = dashboardBody(stackWith({ alarmsEnabled: false }).template).widgets.map((w: any) => w.properties.title);
    expect(titlesWithout).not.toContain('Alarms');
    expect(titlesWithout).toHaveLength(6);
  });
});

describe('alarms', () => {
  const topicStack = () => {
    const stack = new Stack(new App(), 'Alarms');
    const topic = new sns.Topic(stack, 'Topic');
    const workflow = new SupportCaseWorkflow(stack, 'Support', { roster: ROSTER, senderEmail: 'support@example.com', alarmTopic: topic });
    return { stack, topic, workflow, template: Template.fromStack(stack) };
  };

  test('six alarms, every one exposed, each notifying the topic when it fires and when it recovers', () => {
    const { stack, topic, workflow, template } = topicStack();
    const all = alarms(template);
    expect(Object.keys(all)).toHaveLength(6);
    for (const alarm of Object.values<any>(all)) {
      expect(alarm.Properties.AlarmActions).toEqual([ref(stack, topic)]);
      expect(alarm.Properties.OKActions).toEqual([ref(stack, topic)]);
      expect(alarm.Properties.TreatMissingData).toBe('notBreaching');
      expect(alarm.Properties.AlarmDescription).toEqual(expect.any(String));
    }
    const named = [workflow.executionsAlarm, workflow.throttledExecutionsAlarm, workflow.openCaseErrorsAlarm,
      workflow.assignCaseErrorsAlarm, workflow.sendEmailErrorsAlarm, workflow.emailsThrottledAlarm];
    expect(named.every((a) => a !== undefined)).toBe(true);
    expect(workflow.alarms).toEqual(named);
    expect(Object.keys(all).sort()).toEqual(named.map((a) => stack.getLogicalId(a!.node.defaultChild as any)).sort());
  });

  test('executions alarm: failed + timed out + aborted, missing periods counted as 0, in 1 of 2 periods (M out of N: a late point is seen)', () => {
    const { stack, workflow, template } = topicStack();
    const alarm = alarms(template)[stack.getLogicalId(workflow.executionsAlarm!.node.defaultChild as any)].Properties;
    expect(alarm).toMatchObject({ Threshold: 1, EvaluationPeriods: 2, DatapointsToAlarm: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    // less the inputs Open Case refused (handlers/bad-input-alarm.test.ts)
    expect(alarm.Metrics[0].Expression)
      .toBe('IF(FILL(failed, 0) > FILL(rejected, 0), FILL(failed, 0) - FILL(rejected, 0), 0) + FILL(timedOut, 0) + FILL(aborted, 0)');
  });

  test('throttled executions alarm: ExecutionThrottled of the state machine, at least one in 5 minutes, described as state transitions', () => {
    const { stack, workflow, template } = topicStack();
    const alarm = alarms(template)[stack.getLogicalId(workflow.throttledExecutionsAlarm!.node.defaultChild as any)].Properties;
    // ExecutionThrottled counts throttled state transitions; callers' StartExecution throttling is ThrottledEvents by APIName.
    expect(alarm.AlarmDescription).toMatch(/state transitions/);
    expect(alarm.AlarmDescription).toMatch(/StartExecution calls are not counted here/);
    expect(alarm).toMatchObject({
      MetricName: 'ExecutionThrottled',
      Namespace: 'AWS/States',
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      Dimensions: [{ Name: 'StateMachineArn', Value: ref(stack, workflow.stateMachine) }],
    });
  });

  test('function errors alarms: error rate of each function, 5 % or more in 2 of 3 periods', () => {
    const { stack, workflow, template } = topicStack();
    const cases: Array<[any, lambda.Function]> = [
      [workflow.openCaseErrorsAlarm, workflow.openCaseFunction],
      [workflow.assignCaseErrorsAlarm, workflow.assignCaseFunction],
      [workflow.sendEmailErrorsAlarm, workflow.sendEmailFunction],
    ];
    for (const [alarmConstruct, fn] of cases) {
      const alarm = alarms(template)[stack.getLogicalId(alarmConstruct.node.defaultChild)].Properties;
      expect(alarm).toMatchObject({ Threshold: 5, EvaluationPeriods: 3, DatapointsToAlarm: 2 });
      expect(alarm.Metrics[0].Expression).toBe(fn !== workflow.assignCaseFunction
        // SES throttles are Send Email errors by design (the state machine retries them), and refused
        // execution inputs Open Case errors: left out
        ? 'IF(invocations > 0, 100 * IF(FILL(errors, 0) > FILL(expected, 0), FILL(errors, 0) - FILL(expected, 0), 0) / invocations, 0)'
        : 'IF(invocations > 0, 100 * FILL(errors, 0) / invocations, 0)');
      const fnDims = [{ Name: 'FunctionName', Value: ref(stack, fn) }];
      expect(alarm.Metrics).toEqual(expect.arrayContaining([
        expect.objectContaining({ Id: 'errors', MetricStat: expect.objectContaining({ Metric: { MetricName: 'Errors', Namespace: 'AWS/Lambda', Dimensions: fnDims } }) }),
        expect.objectContaining({ Id: 'invocations', MetricStat: expect.objectContaining({ Metric: { MetricName: 'Invocations', Namespace: 'AWS/Lambda', Dimensions: fnDims } }) }),
      ]));
    }
  });

  test('the Send Email errors alarm leaves out pacing: throttled sends and cases queued behind a backlog (the handlers\' EMF metrics)', () => {
    const { stack, workflow, template } = topicStack();
    const alarm = alarms(template)[stack.getLogicalId(workflow.sendEmailErrorsAlarm!.node.defaultChild as any)].Properties;
    const metric = (id: string, name: string) =>
      expect.objectContaining({ Id: id, MetricStat: expect.objectContaining({ Metric: expect.objectContaining({ MetricName: name, Namespace: 'SupportCaseWorkflow' }) }) });
    expect(alarm.Metrics).toEqual(expect.arrayContaining([
      expect.objectContaining({ Id: 'expected', Expression: 'FILL(throttled, 0) + FILL(queued, 0)' }),
      metric('throttled', 'EmailsThrottled'),
      metric('queued', 'EmailsQueued'),
    ]));
  });

  test('emails throttled alarm: sends SES throttled or cases queued for a send slot, in 3 periods in a row (paced sending leaves about one SES refusal per burst)', () => {
    const { stack, workflow, template } = topicStack();
    const alarm = alarms(template)[stack.getLogicalId(workflow.emailsThrottledAlarm!.node.defaultChild as any)].Properties;
    expect(alarm).toMatchObject({ Threshold: 1, EvaluationPeriods: 3, TreatMissingData: 'notBreaching' });
    const metric = (id: string, name: string) => expect.objectContaining({
      Id: id,
      MetricStat: {
        Metric: { MetricName: name, Namespace: 'SupportCaseWorkflow', Dimensions: [{ Name: 'Workflow', Value: workflow.metricsWorkflowName }] },
        Period: 300,
        Stat: 'Sum',
      },
    });
    expect(alarm.Metrics).toEqual(expect.arrayContaining([
      expect.objectContaining({ Expression: 'FILL(throttled, 0) + FILL(queued, 0)', ReturnData: true }),
      metric('throttled', 'EmailsThrottled'),
      metric('queued', 'EmailsQueued'),
    ]));
  });

  test('alarm math fills every metric that can be missing in a period with 0 (FILL(m, 0)), except the invocations that anchor an error rate', () => {
    const { template } = topicStack();
    let checked = 0;
    for (const alarm of Object.values<any>(alarms(template))) {
      const metrics: any[] = alarm.Properties.Metrics ?? [];
      const expressions = metrics.filter((m) => m.Expression).map((m) => m.Expression as string);
      for (const id of metrics.filter((m) => m.MetricStat && m.Id !== 'invocations').map((m) => m.Id as string)) {
        for (const expression of expressions) {
          // Every use of the metric id is wrapped in FILL(id, 0).
          const uses = expression.match(new RegExp(`\\b${id}\\b`, 'g')) ?? [];
          const filled = expression.match(new RegExp(`FILL\\(${id}, 0\\)`, 'g')) ?? [];
          expect({ expression, id, uses: uses.length }).toEqual({ expression, id, uses: filled.length });
          checked += uses.length;
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(3 + 1 + 1 + 4);
  });

  test('alarmsEnabled: false creates none and exposes none', () => {
    const { template, workflow } = stackWith({ alarmsEnabled: false });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 0);
    expect(workflow.alarms).toEqual([]);
    expect(workflow.executionsAlarm).toBeUndefined();
    expect(workflow.emailsThrottledAlarm).toBeUndefined();
  });

  test('without a topic the alarms have no actions', () => {
    for (const alarm of Object.values<any>(alarms(stackWith().template))) {
      expect(alarm.Properties.AlarmActions).toBeUndefined();
      expect(alarm.Properties.OKActions).toBeUndefined();
    }
  });
});

describe('logs', () => {
  test('the state machine logs to /aws/vendedlogs/states/, a name unique per construct', () => {
    const stack = new Stack(new App(), 'Two');
    const a = new SupportCaseWorkflow(stack, 'A', { roster: ROSTER, senderEmail: 'support@example.com' });
    const b = new SupportCaseWorkflow(stack, 'B', { roster: ROSTER, senderEmail: 'support@example.com' });
    const template = Template.fromStack(stack);
    const nameOf = (w: SupportCaseWorkflow) =>
      template.toJSON().Resources[stack.getLogicalId(w.logGroup.node.defaultChild as any)].Properties.LogGroupName;
    expect(nameOf(a)).toMatch(/^\/aws\/vendedlogs\/states\/Two-A-[A-Za-z0-9]+$/);
    expect(nameOf(b)).toMatch(/^\/aws\/vendedlogs\/states\/Two-B-[A-Za-z0-9]+$/);
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      LoggingConfiguration: Match.objectLike({
        Destinations: [{ CloudWatchLogsLogGroup: { LogGroupArn: { 'Fn::GetAtt': [stack.getLogicalId(a.logGroup.node.defaultChild as any), 'Arn'] } } }],
      }),
    });
  });

  test('with a state machine name, the log group takes it', () => {
    stackWith({ stateMachineName: 'support-cases' }).template
      .hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/aws/vendedlogs/states/support-cases' });
  });

  test('the three function log groups are exposed and used by their functions', () => {
    const { stack, workflow, template } = stackWith();
    const pairs: Array<[logs.LogGroup, lambda.Function]> = [
      [workflow.openCaseLogGroup, workflow.openCaseFunction],
      [workflow.assignCaseLogGroup, workflow.assignCaseFunction],
      [workflow.sendEmailLogGroup, workflow.sendEmailFunction],
    ];
    for (const [logGroup, fn] of pairs) {
      const props = template.toJSON().Resources[stack.getLogicalId(fn.node.defaultChild as any)].Properties;
      expect(props.LoggingConfig.LogGroup).toEqual(ref(stack, logGroup));
    }
    expect(new Set(pairs.map(([g]) => g)).size).toBe(3);
  });

  test('retention and removal: 3 months and DESTROY by default, for all four log groups', () => {
    const groups = Object.values<any>(stackWith().template.findResources('AWS::Logs::LogGroup'));
    expect(groups).toHaveLength(4);
    for (const g of groups) {
      expect(g.Properties.RetentionInDays).toBe(90);
      expect(g.DeletionPolicy).toBe('Delete');
      expect(g.UpdateReplacePolicy).toBe('Delete');
    }
  });

  test('logRetention and logRemovalPolicy apply to all four log groups', () => {
    const groups = Object.values<any>(stackWith({ logRetention: logs.RetentionDays.ONE_WEEK, logRemovalPolicy: RemovalPolicy.RETAIN })
      .template.findResources('AWS::Logs::LogGroup'));
    expect(groups).toHaveLength(4);
    for (const g of groups) {
      expect(g.Properties.RetentionInDays).toBe(7);
      expect(g.DeletionPolicy).toBe('Retain');
    }
  });

  test('log level: JSON logs at INFO by default, the logLevel prop on every function; platform lines stay INFO', () => {
    const fns = (template: Template) => Object.values<any>(template.findResources('AWS::Lambda::Function'));
    const defaults = fns(stackWith().template);
    expect(defaults).toHaveLength(3);
    for (const fn of defaults) {
      expect(fn.Properties.LoggingConfig).toMatchObject({ LogFormat: 'JSON', ApplicationLogLevel: 'INFO', SystemLogLevel: 'INFO' });
    }
    for (const fn of fns(stackWith({ logLevel: lambda.ApplicationLogLevel.DEBUG }).template)) {
      expect(fn.Properties.LoggingConfig).toMatchObject({ LogFormat: 'JSON', ApplicationLogLevel: 'DEBUG', SystemLogLevel: 'INFO' });
    }
  });

  test('every function gets the Workflow dimension of its metrics', () => {
    const { workflow, template } = stackWith();
    for (const fn of Object.values<any>(template.findResources('AWS::Lambda::Function'))) {
      expect(fn.Properties.Environment.Variables[METRICS_ENV.WORKFLOW]).toBe(workflow.metricsWorkflowName);
    }
    expect(workflow.metricsWorkflowName).toMatch(/^OpsSupport[A-Za-z0-9]+$/);
  });
});

describe('metrics and grants on the construct', () => {
  test('metricThrottled, metricTime, metricStarted come from the state machine', () => {
    const { workflow } = stackWith();
    expect(workflow.metricThrottled().metricName).toBe('ExecutionThrottled');
    expect(workflow.metricTime().metricName).toBe('ExecutionTime');
    expect(workflow.metricStarted().metricName).toBe('ExecutionsStarted');
  });

  test('the handlers\' metrics: namespace SupportCaseWorkflow, dimension Workflow (EmployeeId for one employee)', () => {
    const { workflow } = stackWith();
    const w = workflow.metricsWorkflowName;
    for (const [metric, name] of [
      [workflow.metricEmailsSent(), 'EmailsSent'], [workflow.metricEmailsResent(), 'EmailsResent'],
      [workflow.metricEmailsThrottled(), 'EmailsThrottled'], [workflow.metricCasesAssigned(), 'CasesAssigned'],
    ] as const) {
      expect(metric).toMatchObject({ namespace: 'SupportCaseWorkflow', metricName: name, dimensions: { Workflow: w }, statistic: 'Sum' });
    }
    expect(workflow.metricCasesAssignedTo('e1').dimensions).toEqual({ Workflow: w, EmployeeId: 'e1' });
  });

  test('grantStartSyncExecution gives states:StartSyncExecution on an Express state machine', () => {
    const { stack, workflow } = stackWith({ workflowType: sfn.StateMachineType.EXPRESS });
    const role = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    workflow.grantStartSyncExecution(role);
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [ref(stack, role)],
      PolicyDocument: { Statement: [{ Action: 'states:StartSyncExecution', Effect: 'Allow', Resource: ref(stack, workflow.stateMachine) }] },
    });
  });

  test('grantStartSyncExecution on a Standard workflow is refused', () => {
    const { stack, workflow } = stackWith();
    const role = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    expect(() => workflow.grantStartSyncExecution(role)).toThrow(/only Express workflows/);
  });
});

describe('validation of the operations props', () => {
  test.each([
    ['a dashboard name without a dashboard', { dashboardEnabled: false, dashboardName: 'x' }, /dashboardName: names the dashboard/],
    ['a malformed dashboard name', { dashboardName: 'has spaces' }, /dashboardName: "has spaces" may hold only/],
    ['an alarm topic without alarms', { alarmsEnabled: false, alarmTopic: 'topic' }, /alarmTopic: is notified by the alarms/],
  ])('rejects %s, naming the prop', (_name, props, message) => {
    const stack = new Stack();
    const p: any = { ...props };
    if (p.alarmTopic) p.alarmTopic = new sns.Topic(stack, 'T');
    expect(() => new SupportCaseWorkflow(stack, 'S', { roster: ROSTER, senderEmail: 'a@example.com', ...p })).toThrow(message);
  });
});
