import { CfnResource, Validations } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';

/** A cdk-nag finding that the construct cannot avoid, with the reason it is acceptable. */
export interface NagAcknowledgement {
  /** Rule id, for example `AwsSolutions-IAM5`. */
  readonly id: string;
  /** The exact finding of the rule, for example `Resource::*`. */
  readonly appliesTo: string;
  /** Why it is acceptable (cdk-nag 2 wants at least 10 characters). */
  readonly reason: string;
}

/**
 * Acknowledges `findings` on a role for both cdk-nag majors, from this one list:
 *  - cdk-nag 3 runs as a CDK validation plugin and honours `Validations.of(x).acknowledge`
 *    (finding ids `<rule>[<appliesTo>]`);
 *  - cdk-nag 2 runs as an aspect and reads `cdk_nag.rules_to_suppress` metadata from the
 *    CloudFormation resource it reports: the role and its default policy.
 * No dependency on cdk-nag. Call it after the role's grants, so that its default policy exists.
 */
export function acknowledgeNagFindings(role: IConstruct, findings: readonly NagAcknowledgement[]): void {
  const validations = Validations.of(role);
  for (const f of findings) validations.acknowledge({ id: `${f.id}[${f.appliesTo}]`, reason: f.reason });

  const resources = [role.node.defaultChild, role.node.tryFindChild('DefaultPolicy')?.node.defaultChild]
    .filter((r): r is CfnResource => r instanceof CfnResource);
  for (const resource of resources) {
    const existing = (resource.getMetadata('cdk_nag') as { rules_to_suppress?: unknown[] } | undefined)?.rules_to_suppress ?? [];
    resource.addMetadata('cdk_nag', {
      rules_to_suppress: [...existing, ...findings.map((f) => ({ id: f.id, reason: f.reason, applies_to: [f.appliesTo] }))],
    });
  }
}
