import type { SFNClient } from '@aws-sdk/client-sfn';
import { stateMachineNameOf } from './aws-names';
import type { LocalWorkflowRuntime } from './workflow-runtime';

let bridgedRuntime: LocalWorkflowRuntime | undefined;
const BRIDGE = 'localStepFunctionsBridge';

/**
 * Answers the handlers' Step Functions calls in-process: StartExecution and StartSyncExecution go
 * to the local runtime, errors keep their AWS names (ExecutionAlreadyExists). The middleware is
 * added once per client; the runtime it targets is the latest one started.
 */
export function bridgeStepFunctions(client: SFNClient, runtime: LocalWorkflowRuntime): void {
  bridgedRuntime = runtime;
  if (client.middlewareStack.identify().some((m) => m.startsWith(BRIDGE))) return;
  client.middlewareStack.add(
    (_next, context) => async (args) => {
      const target = bridgedRuntime;
      if (!target) throw new Error('No local Step Functions runtime is running');
      const input = args.input as { stateMachineArn?: string; name?: string; input?: string };
      const workflow = stateMachineNameOf(input.stateMachineArn ?? '');
      if (!workflow) throw new Error(`Not a local state machine ARN: ${input.stateMachineArn}`);
      const payload = input.input ? (JSON.parse(input.input) as unknown) : {};
      if (context.commandName === 'StartSyncExecutionCommand') {
        const result = await target.startSync(workflow, payload, input.name);
        return {
          output: {
            $metadata: {},
            executionArn: result.executionArn,
            stateMachineArn: result.stateMachineArn,
            name: result.name,
            startDate: result.startDate,
            stopDate: result.stopDate,
            status: result.status,
            ...(result.output !== undefined ? { output: JSON.stringify(result.output) } : {}),
            ...(result.error !== undefined ? { error: result.error } : {}),
            ...(result.cause !== undefined ? { cause: result.cause } : {}),
            input: input.input,
          },
          response: {},
        } as never;
      }
      if (context.commandName !== 'StartExecutionCommand') {
        throw new Error(`The local Step Functions bridge does not answer ${context.commandName}`);
      }
      const started = target.start(workflow, payload, input.name);
      return { output: { $metadata: {}, ...started }, response: {} } as never;
    },
    { step: 'initialize', name: BRIDGE, priority: 'high' },
  );
}
