import { ArnFormat, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { FACT_WORKFLOWS, type WorkflowName } from '../../domain/config';
import type { TableSpec } from '../table-specs';
import { aslPathOf, substitutionsFor, type FunctionName, type WorkflowSpec } from '../workflow-manifest';
import { tableStatements, type SpecTable } from './tables';

export interface WorkflowResources {
  tables: ReadonlyMap<TableSpec, SpecTable>;
  functions: Readonly<Record<FunctionName, lambda.IFunction>>;
  /** Workflows already built (a workflow may only start workflows built before it). */
  stateMachines: Partial<Record<WorkflowName, sfn.IStateMachine>>;
  appBus: events.IEventBus;
}

export interface WorkflowProps {
  spec: WorkflowSpec;
  resources: WorkflowResources;
  logRetention: logs.RetentionDays;
}

/**
 * One state machine from the manifest: the ASL file `statemachines/<name>.asl.json` (resolved from the
 * manifest module, staged as an asset), `definitionSubstitutions` from `substitutionsFor`, logging at the
 * manifest's `logLevel` with execution data to its own log group, X-Ray on, and a role granted exactly
 * what the manifest lists. CDK cannot derive IAM from an ASL file, so every grant is explicit here.
 *
 * Log levels are chosen for volume, since CloudWatch Logs bills every byte at ingestion
 * (https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html): at ALL with execution data an
 * execution logs every history event with its input and output. The click (Express, one execution per
 * click) logs at ERROR: a failed click's events with their data, so ops see why; a successful one logs
 * nothing. Standard workflows log at ERROR too: their full history stays in the Step Functions API and
 * console for 90 days whatever the logging (longer than the default 30-day log retention), so ALL would pay
 * again for what the history already shows. Registration (Express, one per partner) keeps ALL: Express
 * keeps no history of its own, and its volume is negligible.
 */
export class Workflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  readonly substitutions: Record<string, string>;

  constructor(scope: Construct, id: string, props: WorkflowProps) {
    super(scope, id);
    const { spec, resources } = props;

    const tableOf = (table: TableSpec): SpecTable => {
      const t = resources.tables.get(table);
      if (!t) throw new Error(`workflow ${spec.name}: table ${table.id} is not built`);
      return t;
    };
    const stateMachineOf = (name: WorkflowName): sfn.IStateMachine => {
      const sm = resources.stateMachines[name];
      if (!sm) throw new Error(`workflow ${spec.name} starts ${name}, which is not built yet (cycle?)`);
      return sm;
    };

    // Formatted from the fixed name, not referenced: a machine may name itself without a dependency cycle.
    const arnByName = (wf: WorkflowName): string =>
      Stack.of(this).formatArn({
        service: 'states',
        resource: 'stateMachine',
        resourceName: stateMachineNameFor(Stack.of(this).stackName, wf),
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
    this.substitutions = substitutionsFor(spec, {
      tableName: (table) => tableOf(table).tableName,
      functionArn: (fn) => resources.functions[fn].functionArn,
      stateMachineArn: (wf) => stateMachineOf(wf).stateMachineArn,
      stateMachineArnByName: arnByName,
      appBusName: resources.appBus.eventBusName,
    });

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      // The vendedlogs prefix keeps the account's CloudWatch Logs resource policy small.
      logGroupName: `/aws/vendedlogs/states/${Stack.of(this).stackName}-${spec.name}`,
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('states.amazonaws.com'),
      description: `Role of the ${spec.name} workflow: only the resources its manifest entry lists`,
    });
    for (const { table, access } of spec.tables) {
      for (const statement of tableStatements(tableOf(table), access)) this.role.addToPolicy(statement);
    }
    if (spec.invokes.length > 0) {
      this.role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['lambda:InvokeFunction'],
          resources: spec.invokes.map((fn) => resources.functions[fn].functionArn),
        }),
      );
    }
    if (spec.starts.length > 0) {
      // Request-response startExecution (replays): StartExecution on the target only. A `.sync`
      // integration would also need DescribeExecution/StopExecution and the managed events rule.
      this.role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['states:StartExecution'],
          resources: spec.starts.map((wf) => stateMachineOf(wf).stateMachineArn),
        }),
      );
    }
    if (spec.replaysParkedFacts) {
      // The ARN comes from the parked fact, which always names a Standard lifecycle step
      // (`parksFactsFor`), so the grant names those machines by their fixed names.
      this.role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['states:StartExecution'],
          resources: FACT_WORKFLOWS.map(arnByName),
        }),
      );
    }
    if (spec.putsEvents) {
      this.role.addToPolicy(
        new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [resources.appBus.eventBusArn] }),
      );
    }

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineName: stateMachineNameFor(Stack.of(this).stackName, spec.name),
      definitionBody: sfn.DefinitionBody.fromFile(aslPathOf(spec)),
      definitionSubstitutions: this.substitutions,
      stateMachineType:
        spec.type === 'EXPRESS' ? sfn.StateMachineType.EXPRESS : sfn.StateMachineType.STANDARD,
      role: this.role,
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: sfn.LogLevel[spec.logLevel], includeExecutionData: true },
      comment: `partner-referrals ${spec.name} workflow (statemachines/${spec.definition}.asl.json)`,
    });
    if (spec.logLevel !== 'ALL') {
      Validations.of(this.stateMachine).acknowledge({
        id: 'AwsSolutions-SF1',
        reason:
          `Logs at ${spec.logLevel} with execution data, not ALL, for its volume: ` +
          (spec.type === 'STANDARD'
            ? 'a Standard execution keeps its whole history in the Step Functions API and console for 90 days, ' +
              'whatever the logging, so ALL logs would pay again for what the history already shows.'
            : 'its executions are as many as the requests it serves (the click runs once per click, a lifecycle ' +
              "step's Express twin once per event), and ALL would log every state of each; failed executions are " +
              'logged with their data.'),
      });
    }
    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Resource "*" only for what Step Functions requires: the CloudWatch Logs vended-log delivery actions ' +
        '(logs:CreateLogDelivery, GetLogDelivery, UpdateLogDelivery, DeleteLogDelivery, ListLogDeliveries, ' +
        'PutResourcePolicy, DescribeResourcePolicies, DescribeLogGroups) and X-Ray (PutTraceSegments, ' +
        'PutTelemetryRecords, GetSamplingRules, GetSamplingTargets), none of which support resource-level ' +
        'permissions. DynamoDB, Lambda, Step Functions and EventBridge grants are scoped to the manifest.',
    });
  }
}

/** State machines are named `<stack>-<workflow>`: ops find them by name, and grants can name them. */
export const stateMachineNameFor = (stackName: string, workflow: WorkflowName): string =>
  `${stackName}-${workflow}`;

/** Orders workflows so that every workflow comes after the ones it starts. */
export function buildOrder(specs: readonly WorkflowSpec[]): WorkflowSpec[] {
  const byName = new Map(specs.map((s) => [s.name, s]));
  const done = new Set<WorkflowName>();
  const visiting = new Set<WorkflowName>();
  const order: WorkflowSpec[] = [];
  const visit = (spec: WorkflowSpec): void => {
    if (done.has(spec.name)) return;
    if (visiting.has(spec.name)) throw new Error(`workflow manifest: start cycle through ${spec.name}`);
    visiting.add(spec.name);
    for (const target of spec.starts) {
      const t = byName.get(target);
      if (!t) throw new Error(`workflow ${spec.name} starts unknown workflow ${target}`);
      visit(t);
    }
    visiting.delete(spec.name);
    done.add(spec.name);
    order.push(spec);
  };
  specs.forEach(visit);
  return order;
}
