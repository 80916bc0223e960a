import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { startDynamoDbLocal, type DynamoDbLocal } from '../../local/dynamodb-local';
import type { AslMachine } from '../../local/definition';
import { LocalWorkflowRuntime, type LocalLambdas } from '../../local/workflow-runtime';
import { LAMBDA_PLACEHOLDERS, RECORDED_CASES, pythonTestLambdas } from './cases';
import { comparable, loadDefinition, loadRecorded, normalise } from './recorded';

/**
 * Replays real AWS executions (recorded by LocalStack's parity tests) on the offline runtime and
 * compares the normalised GetExecutionHistory: every event's type, id, previousEventId and details
 * (error names, causes, parameters, outputs, metadata shape). Cases not run are listed with their
 * reason in test/contract/REPORT.md.
 */
describe('recorded AWS executions replayed offline', () => {
  let db: DynamoDbLocal;
  let runtime: LocalWorkflowRuntime;
  /** The recorded cases all call `<lambda_function_name>`; each case decides which test function that is. */
  const lambdas: Record<string, LocalLambdas[string]> = { ...pythonTestLambdas };

  beforeAll(async () => {
    db = await startDynamoDbLocal();
    for (const table of ['table-name', 'local-test-table']) {
      await db.client.send(
        new CreateTableCommand({
          TableName: table,
          BillingMode: 'PAY_PER_REQUEST',
          AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        }),
      );
    }
    runtime = new LocalWorkflowRuntime({ dynamoDb: db.client, lambdas, workflows: [] });
  });
  afterAll(async () => {
    await db.stop();
  });

  it.each(RECORDED_CASES.map((c) => [`${c.snapshot} ${c.test}`, c] as const))('%s', async (_title, c) => {
    const recorded = loadRecorded(c.snapshot, c.test);
    const definition = (
      c.definition ? (c.prepare?.(loadDefinition(c.definition)) ?? loadDefinition(c.definition)) : {}
    ) as AslMachine;
    const workflow = `case-${RECORDED_CASES.indexOf(c)}`;

    if (recorded.exception) {
      // CreateStateMachine rejected the definition.
      const err = (() => {
        try {
          runtime.registerWorkflow(workflow, definition);
        } catch (e) {
          return e as Error;
        }
        return undefined;
      })();
      expect(err?.name).toBe(recorded.exception.exception_typename);
      expect(
        normalise(
          `An error occurred (InvalidDefinition) when calling the CreateStateMachine operation: ${err?.message}`,
        ),
      ).toBe(recorded.exception.exception_value);
      return;
    }

    runtime.registerWorkflow(workflow, definition);
    for (const name of LAMBDA_PLACEHOLDERS) lambdas[name] = pythonTestLambdas[c.lambda ?? 'id-function'];
    const recordedEvents = recorded.events ?? [];
    const events = c.knownDeviation
      ? (JSON.parse(c.knownDeviation.apply(JSON.stringify(recordedEvents))) as typeof recordedEvents)
      : recordedEvents;
    const recordedInput = (events[0]?.executionStartedEventDetails as { input: unknown }).input;
    const input = c.localInput ? c.localInput(recordedInput) : recordedInput;
    const { executionArn } = runtime.start(workflow, input);
    await runtime.waitFor(executionArn);

    expect(runtime.history(executionArn).map(comparable)).toEqual(events.map(comparable));
  });
});
