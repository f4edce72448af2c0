import { Annotations, Stack, aws_dynamodb as dynamodb, aws_iam as iam } from 'aws-cdk-lib';
import { Construct } from 'constructs';

/** The key a table must have: a string partition key of this name, and no sort key. */
export interface RequiredTableKey {
  /** The prop the table was given as, named in errors and warnings. */
  readonly propName: string;
  readonly partitionKey: string;
}

interface KeyElement { readonly attributeName: string; readonly keyType: string }
interface AttributeDefinition { readonly attributeName: string; readonly attributeType: string }

function describeRequired(required: RequiredTableKey): string {
  return `partition key ${JSON.stringify(required.partitionKey)} of type string and no sort key`;
}

/**
 * The key schema of a table defined in this app (`Table`, `TableV2`), read from its
 * CloudFormation resource; undefined for an imported table, whose schema is not known at synth.
 */
function declaredKey(table: dynamodb.ITable): { partition?: string; partitionType?: string; sort?: string } | undefined {
  const cfn = table.node.defaultChild;
  if (!(cfn instanceof dynamodb.CfnTable || cfn instanceof dynamodb.CfnGlobalTable)) return undefined;
  const stack = Stack.of(cfn);
  const keySchema = stack.resolve(cfn.keySchema) as KeyElement[] | undefined;
  const definitions = (stack.resolve(cfn.attributeDefinitions) ?? []) as AttributeDefinition[];
  if (!Array.isArray(keySchema)) return undefined;
  const partition = keySchema.find((k) => k.keyType === 'HASH')?.attributeName;
  const sort = keySchema.find((k) => k.keyType === 'RANGE')?.attributeName;
  const partitionType = definitions.find((d) => d.attributeName === partition)?.attributeType;
  return { partition, partitionType, sort };
}

/**
 * Problems with the key of a table defined in this app, each naming the prop; empty when it
 * has the required key or when its schema cannot be seen (imported).
 */
export function tableKeyProblems(table: dynamodb.ITable, required: RequiredTableKey): string[] {
  const key = declaredKey(table);
  if (!key) return [];
  const ok = key.partition === required.partitionKey && key.partitionType === 'S' && key.sort === undefined;
  if (ok) return [];
  const has = `partition key ${JSON.stringify(key.partition)} of type ${key.partitionType ?? 'unknown'}`
    + (key.sort === undefined ? '' : ` and sort key ${JSON.stringify(key.sort)}`);
  return [`${required.propName}: the table must have ${describeRequired(required)}; it has ${has}`];
}

/** Warns at synth that an imported table's key cannot be checked, and says which it must have. */
export function warnIfTableKeyUnchecked(scope: Construct, table: dynamodb.ITable, required: RequiredTableKey): void {
  if (declaredKey(table)) return;
  Annotations.of(scope).addWarningV2(`support-case-workflow:${required.propName}KeyUnchecked`,
    `${required.propName}: the key of an imported table cannot be checked at synth; it must have ${describeRequired(required)}`);
}

/**
 * What a caller of DynamoDB item operations (GetItem, PutItem, UpdateItem, Scan) needs on the
 * customer-managed KMS key of the table: DynamoDB decrypts the table key with it on the caller's
 * behalf (AWS KMS Developer Guide, "How Amazon DynamoDB uses AWS KMS": the table key is decrypted
 * with kms:Decrypt and cached; DynamoDB describes the key with kms:DescribeKey). Data keys are
 * made by DynamoDB from that table key, so no kms:Encrypt, kms:GenerateDataKey* or
 * kms:ReEncrypt* for the caller (those are for whoever creates the table or changes its key).
 */
const TABLE_KEY_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey'];

/**
 * Lets `grantee` use the table's customer-managed key (if it has one) for its DynamoDB calls,
 * and only through DynamoDB (`kms:ViaService`).
 */
export function grantTableKey(table: dynamodb.ITable, grantee: iam.IGrantable): void {
  const key = table.encryptionKey;
  if (!key) return;
  iam.Grant.addToPrincipal({
    grantee,
    actions: TABLE_KEY_ACTIONS,
    resourceArns: [key.keyArn],
    conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${table.env.region}.amazonaws.com` } },
  });
}
