import { StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import * as z from 'zod/mini';
import { INDEX_NAMES, type RuntimeConfig } from '../domain/config';
import { InvalidRequestError, MalformedEventError, WorkflowFailedError } from '../domain/errors';
import { planTransition, PayoutStatusConflictError, type TransitionDetails } from '../domain/payout-plan';
import {
  decodeAdminPayoutsCursor,
  DEFAULT_ADMIN_PAYOUT_STATUS,
  nextPayoutsCursor,
  payoutIdSchema,
  payoutItemSchema,
  payoutStatusOf,
  payoutView,
  PAYOUTS_PAGE_SIZE,
  UnknownPayoutError,
  type Payout,
  type PayoutsPage,
  type PayoutStatus,
} from '../domain/payouts';
import { parseOrThrow } from '../domain/validation';
import { annotate } from './commons/handler';
import { json, jsonBodyOf, type HttpResponse } from './commons/http';
import { logger } from './commons/logger';
import { runWorkflowSync, stateMachineArnOf } from './commons/start-workflow';

/**
 * The admin payout routes (admin scope enforced by API Gateway):
 * - `POST /admin/payouts` `{ asOf? }`: starts a payout run now (the monthly schedule's workflow). 202.
 * - `GET /admin/payouts?status=pending&cursor=…`: the payouts of one status, oldest first, 50 a page.
 * - `POST /admin/payouts/{payoutId}/processing`, `/paid` `{ reference }`, `/failed` `{ reason }`, `/cancel`:
 *   moves the payout through the payout-status workflow (synchronous). 200 with the payout; asking again for
 *   the status it has is 200 too. 404 `UnknownPayout`, 409 `PayoutStatusConflict`.
 */

type Event = APIGatewayProxyEventV2WithJWTAuthorizer;
export interface PayoutDeps {
  config: RuntimeConfig;
  sfn: SFNClient;
  db: DynamoDBDocumentClient;
  now: () => Date;
}

const invalid = (field: string, problem: string): InvalidRequestError =>
  new InvalidRequestError(field, problem);
const corrupt = (field: string, problem: string): MalformedEventError =>
  new MalformedEventError(field, problem);

const TEXT_RULE = (max: number) => `expected 1-${max} characters`;
const boundedText = (max: number) =>
  z
    .string({ error: TEXT_RULE(max) })
    .check(z.trim(), z.minLength(1, { error: TEXT_RULE(max) }), z.maxLength(max, { error: TEXT_RULE(max) }));
const runBodySchema = z.object(
  { asOf: z.optional(z.iso.datetime({ error: 'expected an ISO-8601 UTC time, e.g. 2026-12-01T00:00:00Z' })) },
  { error: 'expected a JSON object' },
);
const paidBodySchema = z.object({ reference: boundedText(200) }, { error: 'expected a JSON object' });
const failedBodySchema = z.object({ reason: boundedText(500) }, { error: 'expected a JSON object' });

export async function startPayoutRun({ config, sfn }: PayoutDeps, event: Event): Promise<HttpResponse> {
  annotate({ workflow: 'payout' });
  const body = event.body ? parseOrThrow(runBodySchema, jsonBodyOf(event), invalid, 'body') : {};
  const out = await sfn.send(
    new StartExecutionCommand({
      stateMachineArn: stateMachineArnOf(config, 'payout'),
      input: JSON.stringify(body.asOf === undefined ? {} : { asOf: body.asOf }),
    }),
  );
  logger.info('Payout run started', { executionArn: out.executionArn });
  return json(202, { executionArn: out.executionArn ?? null });
}

export async function listPayouts(
  { config, db }: PayoutDeps,
  event: Event,
): Promise<PayoutsPage & { status: PayoutStatus }> {
  const query = event.queryStringParameters ?? {};
  const status = query.status === undefined ? DEFAULT_ADMIN_PAYOUT_STATUS : payoutStatusOf(query.status);
  const startKey = query.cursor ? decodeAdminPayoutsCursor(query.cursor, status) : undefined;
  const page = await db.send(
    new QueryCommand({
      TableName: config.payoutsTable,
      IndexName: INDEX_NAMES.payoutsByStatus,
      KeyConditionExpression: '#status = :status',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':status': status },
      Limit: PAYOUTS_PAGE_SIZE,
      ...(startKey ? { ExclusiveStartKey: { ...startKey } } : {}),
    }),
  );
  const payouts = (page.Items ?? []).map((item, i) =>
    payoutView(parseOrThrow(payoutItemSchema, item, corrupt, `payouts[${i}]`)),
  );
  return { status, payouts, nextCursor: nextPayoutsCursor(page.LastEvaluatedKey, true) };
}

/** Reads the payout by id: the id index names its partner, then a consistent read of the row. */
async function readPayout({ config, db }: PayoutDeps, payoutId: string): Promise<Payout> {
  const found = await db.send(
    new QueryCommand({
      TableName: config.payoutsTable,
      IndexName: INDEX_NAMES.payoutsById,
      KeyConditionExpression: 'payoutId = :id',
      ExpressionAttributeValues: { ':id': payoutId },
      ProjectionExpression: 'partnerId',
      Limit: 1,
    }),
  );
  const partnerId = found.Items?.[0]?.partnerId;
  if (typeof partnerId !== 'string') throw new UnknownPayoutError(payoutId);
  const out = await db.send(
    new GetCommand({ TableName: config.payoutsTable, Key: { partnerId, payoutId }, ConsistentRead: true }),
  );
  if (!out.Item) throw new UnknownPayoutError(payoutId);
  return parseOrThrow(payoutItemSchema, out.Item, corrupt, 'payout');
}

export async function changePayoutStatus(
  deps: PayoutDeps,
  event: Event,
  to: Exclude<PayoutStatus, 'pending'>,
): Promise<HttpResponse> {
  const payoutId = parseOrThrow(payoutIdSchema, event.pathParameters?.payoutId, invalid, 'payoutId');
  annotate({ workflow: 'payout-status' });
  const details: TransitionDetails = { at: deps.now().toISOString() };
  if (to === 'paid')
    details.reference = parseOrThrow(paidBodySchema, jsonBodyOf(event), invalid, 'body').reference;
  if (to === 'failed')
    details.reason = parseOrThrow(failedBodySchema, jsonBodyOf(event), invalid, 'body').reason;

  const payout = await readPayout(deps, payoutId);
  annotate({ partnerId: payout.partnerId });
  const plan = planTransition(payout, to, details, deps.config.payoutsTable);
  const result = await runWorkflowSync(deps.sfn, {
    stateMachineArn: stateMachineArnOf(deps.config, 'payout-status'),
    input: {
      payout: plan.payout,
      transactItems: plan.outcome === 'changed' ? plan.transactItems : [],
      settle: plan.settle,
    },
  });
  if (result.status !== 'SUCCEEDED') {
    // Another change won between our read and our write: say what it is now.
    if (result.error === 'PayoutStatusConflict') {
      const now = await readPayout(deps, payoutId);
      throw new PayoutStatusConflictError(payoutId, now.status, to);
    }
    throw new WorkflowFailedError('payout-status', result.error, result.cause);
  }
  logger.info('Payout status changed', { payoutId, from: payout.status, to, outcome: plan.outcome });
  return json(200, payoutView(plan.payout));
}
