/**
 * Resolves the CloudFormation intrinsics of a synthesized template (Ref, Fn::GetAtt, Fn::Join...)
 * the way a deployment in one local account and region would: physical names are the logical
 * ids (or the names the template sets). Used by the local runner and the README generators; it
 * loads nothing else.
 */
import type { CfnTemplate } from './example-app';

/** The local account and region every local ARN is made in. */
export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';

type Json = any;

/** Logical ids of the template's resources of a type. */
export function resourcesOfType(template: CfnTemplate, type: string): string[] {
  return Object.keys(template.Resources).filter((id) => template.Resources[id].Type === type);
}

/** Resolves the CloudFormation intrinsics that a synthesized definition and environment use. */
export class TemplateResolver {
  /** The URL of each local function URL (`AWS::Lambda::Url`), by logical id (see local/function-url.ts). */
  readonly functionUrls = new Map<string, string>();

  constructor(private readonly template: CfnTemplate) {}

  physicalName(logicalId: string): string {
    const resource = this.template.Resources[logicalId];
    if (!resource) throw new Error(`template has no resource ${logicalId}`);
    return resource.Properties?.TableName ?? resource.Properties?.FunctionName ?? logicalId;
  }

  arn(logicalId: string): string {
    const resource = this.template.Resources[logicalId];
    switch (resource?.Type) {
      case 'AWS::Lambda::Function':
        return `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${this.physicalName(logicalId)}`;
      case 'AWS::DynamoDB::Table':
        return `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${this.physicalName(logicalId)}`;
      case 'AWS::SNS::Topic':
        return `arn:aws:sns:${REGION}:${ACCOUNT}:${resource.Properties?.TopicName ?? logicalId}`;
      default:
        throw new Error(`cannot make an ARN for ${logicalId} (${resource?.Type})`);
    }
  }

  /**
   * Logical id of a Lambda function, from the ARN this resolver made for it, or (as Lambda takes a
   * `FunctionName`) its name or an ARN with a version or alias qualifier.
   */
  functionOfArn(arn: string): string | undefined {
    const unqualified = /^arn:aws:lambda:[^:]+:\d+:function:[^:]+/.exec(arn)?.[0] ?? arn;
    return Object.keys(this.template.Resources).find(
      (id) => this.template.Resources[id].Type === 'AWS::Lambda::Function'
        && (this.arn(id) === unqualified || this.physicalName(id) === arn),
    );
  }

  resolve(value: Json): Json {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (value === null || typeof value !== 'object') return value;
    const keys = Object.keys(value);
    if (keys.length === 1) {
      const [k] = keys;
      const arg = value[k];
      switch (k) {
        case 'Ref':
          return this.ref(arg);
        case 'Fn::GetAtt':
          // A function URL's `FunctionUrl`: the local server's (AWS's ends with a slash too).
          if (arg[1] === 'FunctionUrl' && this.functionUrls.has(arg[0])) return this.functionUrls.get(arg[0]);
          if (arg[1] === 'TopicArn' && this.template.Resources[arg[0]]?.Type === 'AWS::SNS::Topic') return this.arn(arg[0]);
          if (arg[1] !== 'Arn') throw new Error(`unsupported Fn::GetAtt ${arg.join('.')}`);
          return this.arn(arg[0]);
        case 'Fn::Join':
          return (this.resolve(arg[1]) as string[]).join(arg[0]);
        case 'Fn::Select':
          return this.resolve(arg[1])[arg[0]];
        case 'Fn::Split':
          return (this.resolve(arg[1]) as string).split(arg[0]);
        default:
          if (k.startsWith('Fn::')) throw new Error(`unsupported intrinsic ${k}`);
      }
    }
    return Object.fromEntries(keys.map((k) => [k, this.resolve(value[k])]));
  }

  private ref(name: string): string {
    switch (name) {
      case 'AWS::Region':
        return REGION;
      case 'AWS::AccountId':
        return ACCOUNT;
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      default:
        // A topic's Ref is its ARN.
        return this.template.Resources[name]?.Type === 'AWS::SNS::Topic' ? this.arn(name) : this.physicalName(name);
    }
  }
}
