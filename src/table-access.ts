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
 * Warns at synth that an imported table came without its KMS key: if it is encrypted with a
 * customer-managed key, the roles get no grant on it and its first access fails with
 * AccessDenied. (An AWS owned or AWS managed key needs no grant.)
 */
export function warnIfTableKmsKeyUnknown(scope: Construct, table: dynamodb.ITable, propName: string): void {
  if (declaredKey(table) || table.encryptionKey) return;
  Annotations.of(scope).addWarningV2(`support-case-workflow:${propName}KmsKeyUnknown`,
    `${propName}: an imported table's KMS key is not known. If the table is encrypted with a customer-managed key, import it with `
    + 'Table.fromTableAttributes({ tableName, encryptionKey }) so that the functions get a grant on the key (else every access '
    + 'fails with AccessDenied), and make sure the key policy lets IAM policies grant its use (the default key policy does) '
    + 'or names the roles itself. An AWS owned or AWS managed key needs nothing.');
}

/**
 * What a caller of DynamoDB item operations needs on the customer-managed KMS key of the table,
 * decided from AWS's own documents and code, since no AWS page lists it per item operation:
 * - the KMS Developer Guide, "How Amazon DynamoDB uses AWS KMS"
 *   (https://docs.aws.amazon.com/kms/latest/developerguide/services-dynamodb.html): DynamoDB calls
 *   KMS on the caller's behalf; its example key policy for the principals that use DynamoDB allows
 *   kms:Encrypt, kms:Decrypt, kms:ReEncrypt*, kms:GenerateDataKey*, kms:DescribeKey (and
 *   kms:CreateGrant, for whoever creates the table), with kms:ViaService = DynamoDB;
 * - aws-cdk-lib's table grants (aws-dynamodb/lib/perms.ts): readers get kms:Decrypt and
 *   kms:DescribeKey, writers kms:Encrypt, kms:ReEncrypt* and kms:GenerateDataKey* too.
 * So readers get the first two, writers the rest as well, with the wildcards spelled out (the
 * ReEncrypt and GenerateDataKey actions that exist for symmetric keys), through DynamoDB only.
 * Unverified on AWS for item-level callers: the first-deployment check uses such a table.
 */
const TABLE_KEY_READ_ACTIONS = ['kms:Decrypt', 'kms:DescribeKey'];
const TABLE_KEY_WRITE_ACTIONS = [
  ...TABLE_KEY_READ_ACTIONS, 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:ReEncryptFrom', 'kms:ReEncryptTo',
];

/**
 * Lets `grantee` use the table's customer-managed key (if it has one) for its DynamoDB calls,
 * and only through DynamoDB (`kms:ViaService`): to read (`access: 'read'`) or to read and write.
 */
export function grantTableKey(table: dynamodb.ITable, grantee: iam.IGrantable, access: 'read' | 'write'): void {
  const key = table.encryptionKey;
  if (!key) return;
  iam.Grant.addToPrincipal({
    grantee,
    actions: access === 'read' ? TABLE_KEY_READ_ACTIONS : TABLE_KEY_WRITE_ACTIONS,
    resourceArns: [key.keyArn],
    conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${table.env.region}.amazonaws.com` } },
  });
}
