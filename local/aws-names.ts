import type { WorkflowName } from '../domain/config';
import { DEFAULT_APP_BUS_NAME } from '../domain/config';
import type { FunctionName, ResourceNames } from '../infra/workflow-manifest';

/** The fake account and region every local ARN uses (DynamoDB Local and the local runtime accept anything). */
export const LOCAL_ACCOUNT_ID = '000000000000';
export const LOCAL_REGION = 'us-east-1';
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' } as const;

export const localFunctionArn = (fn: string): string =>
  `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:function:${fn}`;
export const localStateMachineArn = (wf: string): string =>
  `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:stateMachine:${wf}`;
export const localExecutionArn = (wf: string, name: string): string =>
  `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:execution:${wf}:${name}`;
/** Express executions may share a name (AWS keeps no name idempotency for them): each run has its own id. */
export const localExpressExecutionArn = (wf: string, name: string, runId: string): string =>
  `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:express:${wf}:${name}:${runId}`;
export const localRoleArn = (wf: string): string =>
  `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/${wf}-state-machine-role`;

/** How the offline runtime fills the ASL `${…}` substitutions: plain table names, local ARNs, the app bus name. */
export const localNames: ResourceNames = {
  tableName: (table) => table.tableName,
  functionArn: (fn: FunctionName) => localFunctionArn(fn),
  stateMachineArn: (wf: WorkflowName) => localStateMachineArn(wf),
  stateMachineArnByName: (wf: WorkflowName) => localStateMachineArn(wf),
  appBusName: DEFAULT_APP_BUS_NAME,
};

/** `arn:…:function:name[:qualifier]` or a bare name → the function name. */
export function functionNameOf(nameOrArn: string): string {
  const m = /^arn:aws[a-z-]*:lambda:[^:]*:\d*:function:([^:]+)(?::.*)?$/.exec(nameOrArn);
  return m?.[1] ?? nameOrArn;
}

/** `arn:…:stateMachine:name` → name; undefined when it is not a state machine ARN. */
export function stateMachineNameOf(arn: string): string | undefined {
  return /^arn:aws[a-z-]*:states:[^:]*:\d*:stateMachine:([^:]+)$/.exec(arn)?.[1];
}
