/** Reading a synthesized `SupportCaseWorkflow` in construct tests. */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { EmployeeRoster, SupportCaseWorkflow, SupportCaseWorkflowProps } from '../src';

export const TEST_ROSTER = EmployeeRoster.fromEmployees([
  { id: 'e1', name: 'Ana', email: 'ana@example.com' },
  { id: 'e2', name: 'Bo', email: 'bo@example.com' },
]);

/**
 * A stack holding one workflow (fixed roster of two, sender support@example.com unless `props` say
 * otherwise); `props` may be a function of the stack, for props that are resources of the stack.
 */
export function workflowStack(
  props: Partial<SupportCaseWorkflowProps> | ((stack: Stack) => Partial<SupportCaseWorkflowProps>) = {},
): { stack: Stack; workflow: SupportCaseWorkflow; template: Template } {
  const stack = new Stack(new App(), 'Test', { env: { account: '111111111111', region: 'eu-west-1' } });
  const given = typeof props === 'function' ? props(stack) : props;
  const workflow = new SupportCaseWorkflow(stack, 'Support', { roster: TEST_ROSTER, senderEmail: 'support@example.com', ...given });
  return { stack, workflow, template: Template.fromStack(stack) };
}

/** The state machine definition, each CloudFormation token replaced by a `TOKEN(...)` marker so the JSON parses. */
export function stateMachineDefinition(template: Template): any {
  const [sm] = Object.values(template.findResources('AWS::StepFunctions::StateMachine')) as any[];
  const parts: any[] = sm.Properties.DefinitionString['Fn::Join'][1];
  return JSON.parse(parts.map((p) => (typeof p === 'string' ? p : `TOKEN(${JSON.stringify(p).replace(/"/g, '\'')})`)).join(''));
}

/** Every IAM policy statement of the template. */
export function policyStatements(template: Template): any[] {
  return Object.values<any>(template.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
}

/** `count` distinct employees. */
export function employees(count: number): { id: string; name: string; email: string }[] {
  return Array.from({ length: count }, (_, i) => ({ id: `employee-${i}`, name: `Employee Number ${i}`, email: `employee.number.${i}@example.com` }));
}

/** The one logical id of a resource of `type` whose id contains `fragment`. */
export function logicalIdOf(template: Template, type: string, fragment: string): string {
  const ids = Object.keys(template.findResources(type)).filter((id) => id.includes(fragment));
  expect(ids).toHaveLength(1);
  return ids[0];
}

/** The dashboard body, with each CloudFormation token replaced by `TOKEN(<logical id>)`. */
export function dashboardBody(template: Template): any {
  const dashboards = Object.values<any>(template.findResources('AWS::CloudWatch::Dashboard'));
  expect(dashboards).toHaveLength(1);
  const body = dashboards[0].Properties.DashboardBody;
  const parts: any[] = typeof body === 'string' ? [body] : body['Fn::Join'][1];
  const text = parts.map((p) => (typeof p === 'string' ? p : `TOKEN(${p.Ref ?? p['Fn::GetAtt']?.[0] ?? 'intrinsic'})`)).join('');
  return JSON.parse(text);
}
