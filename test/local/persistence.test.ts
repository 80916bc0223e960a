import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LocalWorkflowRuntime } from '../../local/workflow-runtime';

/** A long-running local stack keeps executions and their histories across restarts. */
const definition = {
  StartAt: 'Greet',
  States: { Greet: { Type: 'Pass', Parameters: { 'hello.$': '$.name' }, End: true } },
};

function runtime(): LocalWorkflowRuntime {
  // No Task states here, so DynamoDB is never called.
  const rt = new LocalWorkflowRuntime({
    dynamoDb: new DynamoDBClient({ region: 'us-east-1' }),
    workflows: [],
  });
  rt.registerWorkflow('greet', definition);
  return rt;
}

describe('saving and restoring executions', () => {
  it('restores closed executions with their output and history, and their names stay taken', async () => {
    const before = runtime();
    const { executionArn } = before.start('greet', { name: 'ada' }, 'greet-1');
    await before.waitFor(executionArn);
    const saved = JSON.parse(JSON.stringify(before.saveClosed())) as ReturnType<
      LocalWorkflowRuntime['saveClosed']
    >;

    const after = runtime();
    after.restore(saved);

    expect(after.describe(executionArn)).toEqual(before.describe(executionArn));
    expect(after.history(executionArn)).toEqual(before.history(executionArn));
    expect(after.list('greet').map((e) => e.name)).toEqual(['greet-1']);
    expect(() => after.start('greet', { name: 'ada' }, 'greet-1')).toThrow(
      expect.objectContaining({ name: 'ExecutionAlreadyExists' }),
    );
  });

  it('does not save running executions', () => {
    const rt = new LocalWorkflowRuntime({
      dynamoDb: new DynamoDBClient({ region: 'us-east-1' }),
      workflows: [],
    });
    rt.registerWorkflow('wait', {
      StartAt: 'Wait',
      States: { Wait: { Type: 'Wait', Seconds: 60, End: true } },
    });
    const { executionArn } = rt.start('wait', {}, 'waiting');

    expect(rt.saveClosed()).toEqual([]);
    rt.stop(executionArn);
  });
});
