import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LocalEventBus } from '../aws/event-bus';
import type { MessageMoveTasks } from '../aws/sqs-move-tasks';
import type { LocalQueues } from '../durable/queues';
import type { LocalStackModel } from '../stack/model';
import type { LocalWorkflowRuntime } from '../workflow-runtime';
import type { ConsoleRoute } from './api';
import { executionRoutes } from './executions';
import { partnerRoutes } from './partners';
import { queueRoutes } from './queues';

/** What the console reads and drives: the running stack's own parts, in process. */
export interface ConsoleDeps {
  model: LocalStackModel;
  runtime: LocalWorkflowRuntime;
  queues: LocalQueues;
  /** The stack's StartMessageMoveTask tasks (the redrive), shared with the AWS endpoint. */
  moveTasks: MessageMoveTasks;
  eventBus: LocalEventBus;
  db: DynamoDBDocumentClient;
}

export const consoleRoutes = (deps: ConsoleDeps): ConsoleRoute[] => [
  ...executionRoutes(deps),
  ...queueRoutes(deps),
  ...partnerRoutes(deps),
];
