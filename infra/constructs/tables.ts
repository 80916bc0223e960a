import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import type { KeySpec, TableSpec } from '../table-specs';
import type { TableAccess } from '../workflow-manifest';

const attribute = (key: KeySpec): dynamodb.Attribute => ({
  name: key.name,
  type: key.type === 'S' ? dynamodb.AttributeType.STRING : dynamodb.AttributeType.NUMBER,
});

export interface SpecTableProps {
  spec: TableSpec;
  /** Use `spec.tableName` as the physical name; otherwise CloudFormation generates one. */
  fixedName: boolean;
}

/**
 * A DynamoDB table built from its `TableSpec`: on demand, AWS-managed encryption, TTL, stream and GSIs
 * (projection ALL) from the spec; critical tables get point-in-time recovery, deletion protection and
 * are retained when the stack is deleted.
 */
export class SpecTable extends dynamodb.Table {
  readonly spec: TableSpec;

  constructor(scope: Construct, props: SpecTableProps) {
    const { spec } = props;
    super(scope, spec.id, {
      ...(props.fixedName ? { tableName: spec.tableName } : {}),
      partitionKey: attribute(spec.partitionKey),
      ...(spec.sortKey ? { sortKey: attribute(spec.sortKey) } : {}),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: spec.critical },
      deletionProtection: spec.critical,
      ...(spec.timeToLiveAttribute ? { timeToLiveAttribute: spec.timeToLiveAttribute } : {}),
      ...(spec.stream ? { stream: dynamodb.StreamViewType[spec.stream] } : {}),
      removalPolicy: spec.critical ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.spec = spec;
    if (!spec.critical) {
      Validations.of(this).acknowledge({
        id: 'AwsSolutions-DDB3',
        reason:
          'Non-critical table (the click log): entries expire by TTL after 90 days and the click counters live in ' +
          'PartnerStats, so a restore point adds cost without protecting any state the system needs.',
      });
    }
    for (const index of spec.globalSecondaryIndexes) {
      this.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: attribute(index.partitionKey),
        ...(index.sortKey ? { sortKey: attribute(index.sortKey) } : {}),
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
  }

  /** ARN of one of the spec's indexes (no wildcard: each index is named). */
  indexArn(indexName: string): string {
    if (!this.spec.globalSecondaryIndexes.some((i) => i.indexName === indexName)) {
      throw new Error(`${this.spec.id} has no index ${indexName}`);
    }
    return `${this.tableArn}/index/${indexName}`;
  }
}

/**
 * DynamoDB actions per access level. There is no IAM action for TransactWriteItems or
 * TransactGetItems: a transaction is authorised per item by the underlying PutItem / UpdateItem /
 * DeleteItem / ConditionCheckItem (and GetItem) on each table it touches, so these lists cover them.
 */
export const READ_ACTIONS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query', 'dynamodb:Scan'];
export const WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
  'dynamodb:ConditionCheckItem',
];

/**
 * Least-privilege statements for one table: reads on the table and each of its named indexes, writes
 * on the table only (indexes are never written directly).
 */
export function tableStatements(table: SpecTable, access: TableAccess): iam.PolicyStatement[] {
  const statements = [
    new iam.PolicyStatement({
      actions: READ_ACTIONS,
      resources: [
        table.tableArn,
        ...table.spec.globalSecondaryIndexes.map((i) => table.indexArn(i.indexName)),
      ],
    }),
  ];
  if (access === 'readWrite') {
    statements.push(new iam.PolicyStatement({ actions: WRITE_ACTIONS, resources: [table.tableArn] }));
  }
  return statements;
}
