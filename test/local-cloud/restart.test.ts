import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { startLocalCloud, type RunningLocalCloud } from '../../local/cloud';
import { freePort } from '../../local/dynamodb-local';
import { userSignedUpEvent } from '../../local/events/app-events';
import { putEventsEntry } from '../../local/events/event-envelope';
import { registerPartner } from '../support/local-cloud';

/** Data survives a restart by default: tables, executions and their histories. */
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const assemblyDir = mkdtempSync(path.join(os.tmpdir(), 'restart-cdk-'));
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'restart-data-'));
/** A Standard execution (a signup's fact runs on its Express twin, which keeps no history in the API). */
const APPROVAL_ARN = 'arn:aws:states:us-east-1:000000000000:stateMachine:approval';

const start = async () =>
  startLocalCloud({
    assemblyDir,
    dataDir,
    endpointPort: await freePort(),
    apiPort: await freePort(),
    schedules: false,
    retryDelayScale: 0,
  });

const clients = (cloud: RunningLocalCloud) => {
  const config = { endpoint: cloud.endpointUrl, region: 'us-east-1', credentials };
  return {
    sfn: new SFNClient({ ...config, disableHostPrefix: true }),
    events: new EventBridgeClient(config),
    ddb: new DynamoDBClient(config),
  };
};

it('keeps the stats, the executions and their histories across a restart over the same data directory', async () => {
  // Prepare: a first run registers a partner and processes a signup, then stops.
  const first = await start();
  let executionArn: string;
  try {
    expect((await registerPartner(first, { partnerId: 'p_restart' })).status).toBe(201);
    const signup = userSignedUpEvent({ partnerId: 'p_restart', userId: 'u_restart' });
    const put = await clients(first).events.send(
      new PutEventsCommand({
        Entries: [putEventsEntry('partner-referrals', signup)],
      }),
    );
    expect(put.FailedEntryCount).toBe(0);
    executionArn =
      (
        await clients(first).sfn.send(
          new StartExecutionCommand({ stateMachineArn: APPROVAL_ARN, name: 'approval-restart', input: '{}' }),
        )
      ).executionArn ?? '';
    await first.settle();
  } finally {
    await first.stop();
  }

  // Act: a second run over the same directory.
  const second = await start();
  try {
    const { sfn, ddb } = clients(second);
    const listed = await sfn.send(new ListExecutionsCommand({ stateMachineArn: APPROVAL_ARN }));
    const history = await sfn.send(new GetExecutionHistoryCommand({ executionArn, maxResults: 1000 }));
    const stats = await ddb.send(
      new GetItemCommand({ TableName: 'PartnerStats', Key: { partnerId: { S: 'p_restart' } } }),
    );

    expect(listed.executions?.map((e) => [e.executionArn, e.status])).toEqual([[executionArn, 'SUCCEEDED']]);
    expect(history.events?.[0]?.type).toBe('ExecutionStarted');
    expect(history.events?.at(-1)?.type).toBe('ExecutionSucceeded');
    expect(stats.Item?.totalSignups).toEqual({ N: '1' });
  } finally {
    await second.stop();
  }
});
