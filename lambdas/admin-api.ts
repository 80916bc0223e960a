import { StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import * as z from 'zod/mini';
import { partnerIdSchema } from '../domain/app-events';
import {
  adminCommissionView,
  commissionIdSchema,
  commissionItemSchema,
  commissionStatusOf,
  CommissionNotOnHoldError,
  decodeAdminCommissionsCursor,
  DEFAULT_ADMIN_COMMISSION_STATUS,
  nextAdminCommissionsCursor,
  UnknownCommissionError,
  type AdminCommissionView,
  type CommissionsPage,
} from '../domain/commissions-view';
import {
  COMMISSIONS_PAGE_SIZE,
  INDEX_NAMES,
  loadRuntimeConfig,
  PARKED_EVENT_TTL_DAYS,
  type RuntimeConfig,
} from '../domain/config';
import {
  ConfigurationError,
  InvalidRequestError,
  MalformedEventError,
  PartnerAlreadyRegisteredError,
  WorkflowFailedError,
} from '../domain/errors';
import { executionNameFor } from '../domain/execution-name';
import { timeZoneOf } from '../domain/export-range';
import { factKeys, type ReviewFact } from '../domain/facts';
import { identityHash } from '../domain/identity';
import { COMMISSION_STATUSES, type CommissionStatus } from '../domain/referral';
import { routeKeyOf } from '../domain/routes';
import { userIdSchema } from '../domain/stripe-events';
import { parseOrThrow } from '../domain/validation';
import { expiresAfterDays, type FactWorkflowInput } from '../domain/workflow-inputs';
import { createDocumentClient } from './commons/dynamodb';
import { annotate, lambdaHandler } from './commons/handler';
import { errorResponse, json, jsonBodyOf, type HttpResponse } from './commons/http';
import { logger } from './commons/logger';
import { createSfnClient } from './commons/sfn';
import { changePayoutStatus, listPayouts, startPayoutRun } from './admin-payouts';
import { runWorkflowSync, startWorkflowIdempotently, stateMachineArnOf } from './commons/start-workflow';

const invalid = (field: string, problem: string): InvalidRequestError =>
  new InvalidRequestError(field, problem);
const corrupt = (field: string, problem: string): MalformedEventError =>
  new MalformedEventError(field, problem);

const DISPLAY_NAME_RULE = 'expected 1-200 characters';
const EMAIL_RULE = 'expected an email address (at most 320 characters)';
const registrationBodySchema = z.object(
  {
    partnerId: partnerIdSchema,
    displayName: z.optional(
      z
        .string({ error: DISPLAY_NAME_RULE })
        .check(
          z.trim(),
          z.minLength(1, { error: DISPLAY_NAME_RULE }),
          z.maxLength(200, { error: DISPLAY_NAME_RULE }),
        ),
    ),
    /** The IANA zone the partner's activity days are counted in (`timeZoneOf`); fixed once registered. */
    timeZone: z.optional(z.string({ error: 'expected an IANA time zone such as Europe/Berlin' })),
    /** The partner's own user id in the app: a signup of that user through the partner's link is a self-referral. */
    ownerUserId: z.optional(userIdSchema),
    /** The partner's own email address: only its salted hash leaves this handler. */
    ownerEmail: z.optional(
      z.string({ error: EMAIL_RULE }).check(
        z.maxLength(320, { error: EMAIL_RULE }),
        z.refine((value) => /^[^\s@]+@[^\s@]+$/.test(value.trim()), { error: EMAIL_RULE }),
      ),
    ),
  },
  { error: 'expected a JSON object' },
);

/** The registration workflow's input. The owner fields are stored on the stats row only when given. */
export interface RegistrationInput {
  partnerId: string;
  displayName: string;
  registeredAt: string;
  /** Canonical IANA zone, `UTC` unless the registration named one. */
  timeZone: string;
  ownerUserId?: string;
  /** `identityHash(ownerEmail, clickIpSalt)`: the raw address is never stored. */
  ownerEmailHash?: string;
}

export type ReviewDecision = ReviewFact['decision'];

/** `202` (started) or `200` (an execution of that name exists: the decision was already made). */
export interface ReviewResponse {
  executionArn: string;
  commissionId: string;
  decision: ReviewDecision;
}

type Event = APIGatewayProxyEventV2WithJWTAuthorizer;
interface Deps {
  config: RuntimeConfig;
  sfn: SFNClient;
  db: DynamoDBDocumentClient;
  now: () => Date;
}

/**
 * The admin routes. Their admin scope is enforced by API Gateway's JWT authorizer before this runs; the
 * handler never reads the token's claims.
 * - `POST /admin/partners` `{ partnerId, displayName?, timeZone?, ownerUserId?, ownerEmail? }`: registers a partner
 *   through the Express registration workflow (its zeroed stats row in its IANA `timeZone`, default UTC, with the owner's user id and email hash
 *   when given). 201, 409 `PartnerAlreadyRegistered`, 502 on other workflow failures.
 * - `GET /admin/commissions?status=on_hold&cursor=…`: the commissions of one status (default `on_hold`, the
 *   review queue), oldest due first, 50 a page. 400 `InvalidCommissionStatus`, 400 `InvalidCursor`.
 * - `POST /admin/partners/{partnerId}/commissions/{commissionId}/approve` (and `/reject`): records the
 *   operator's decision on a held commission as a review fact through the `commission` workflow (async).
 *   202 `{ executionArn, commissionId, decision }`, 200 when that decision was already started, 404
 *   `UnknownCommission`, 409 `CommissionNotOnHold`.
 * - `POST /admin/approvals`: starts an approval run now (the hourly schedule's workflow). 202.
 * - The payout routes (`/admin/payouts…`): see admin-payouts.ts.
 * Every rejection names its field (400 `InvalidRequest`).
 */
export function createAdminApiHandler({
  config,
  sfn,
  db,
  now = () => new Date(),
}: {
  config: RuntimeConfig;
  sfn: SFNClient;
  db: DynamoDBDocumentClient;
  now?: () => Date;
}) {
  const deps: Deps = { config, sfn, db, now };
  return lambdaHandler(async (event: Event): Promise<HttpResponse> => {
    try {
      switch (event.routeKey) {
        case routeKeyOf('adminPartners'):
          return await registerPartner(deps, event);
        case routeKeyOf('adminCommissions'):
          return json(200, await listCommissions(deps, event));
        case routeKeyOf('adminApproveCommission'):
          return await reviewCommission(deps, event, 'approve');
        case routeKeyOf('adminRejectCommission'):
          return await reviewCommission(deps, event, 'reject');
        case routeKeyOf('adminApprovals'):
          return await startApprovalRun(deps);
        case routeKeyOf('adminPayoutRun'):
          return await startPayoutRun(deps, event);
        case routeKeyOf('adminPayouts'):
          return json(200, await listPayouts(deps, event));
        case routeKeyOf('adminPayoutProcessing'):
          return await changePayoutStatus(deps, event, 'processing');
        case routeKeyOf('adminPayoutPaid'):
          return await changePayoutStatus(deps, event, 'paid');
        case routeKeyOf('adminPayoutFailed'):
          return await changePayoutStatus(deps, event, 'failed');
        case routeKeyOf('adminPayoutCancel'):
          return await changePayoutStatus(deps, event, 'canceled');
        default:
          throw new ConfigurationError(`admin-api does not serve ${event.routeKey}`);
      }
    } catch (error) {
      return errorResponse(error);
    }
  });
}

async function registerPartner({ config, sfn, now }: Deps, event: Event): Promise<HttpResponse> {
  const body = parseOrThrow(registrationBodySchema, jsonBodyOf(event), invalid, 'body');
  annotate({ partnerId: body.partnerId, workflow: 'registration' });
  const input: RegistrationInput = {
    partnerId: body.partnerId,
    displayName: body.displayName ?? body.partnerId,
    registeredAt: now().toISOString(),
    timeZone: timeZoneOf(body.timeZone, 'timeZone'),
    ...(body.ownerUserId === undefined ? {} : { ownerUserId: body.ownerUserId }),
    ...(body.ownerEmail === undefined
      ? {}
      : { ownerEmailHash: identityHash(body.ownerEmail, config.clickIpSalt) }),
  };
  const result = await runWorkflowSync(sfn, {
    stateMachineArn: stateMachineArnOf(config, 'registration'),
    input,
  });
  if (result.status !== 'SUCCEEDED') {
    if (result.error === 'PartnerAlreadyRegistered') throw new PartnerAlreadyRegisteredError(body.partnerId);
    throw new WorkflowFailedError('registration', result.error, result.cause);
  }
  logger.info('Partner registered', { partnerId: input.partnerId });
  // The answer leaves the email hash out: the caller has the address, and the hash is only for the workflows.
  const registration = {
    partnerId: input.partnerId,
    displayName: input.displayName,
    registeredAt: input.registeredAt,
    timeZone: input.timeZone,
    ...(input.ownerUserId === undefined ? {} : { ownerUserId: input.ownerUserId }),
  };
  return json(201, registration, { location: `/partners/${input.partnerId}/dashboard` });
}

async function listCommissions(
  { config, db }: Deps,
  event: Event,
): Promise<CommissionsPage<AdminCommissionView> & { status: CommissionStatus }> {
  const query = event.queryStringParameters ?? {};
  const status =
    query.status === undefined ? DEFAULT_ADMIN_COMMISSION_STATUS : commissionStatusOf(query.status);
  const startKey = query.cursor ? decodeAdminCommissionsCursor(query.cursor, status) : undefined;
  const page = await db.send(
    new QueryCommand({
      TableName: config.commissionsTable,
      IndexName: INDEX_NAMES.commissionsByStatus,
      KeyConditionExpression: '#status = :status',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':status': status },
      ScanIndexForward: true,
      Limit: COMMISSIONS_PAGE_SIZE,
      ...(startKey ? { ExclusiveStartKey: { ...startKey } } : {}),
    }),
  );
  const commissions = (page.Items ?? []).map((item, i) =>
    adminCommissionView(parseOrThrow(commissionItemSchema, item, corrupt, `commissions[${i}]`)),
  );
  return { status, commissions, nextCursor: nextAdminCommissionsCursor(page.LastEvaluatedKey) };
}

/** What the review reads of the commission: whether it is held, and whose referral it is. */
const reviewedCommissionSchema = z.object({
  status: z.enum(COMMISSION_STATUSES),
  referredUserId: userIdSchema,
});

async function reviewCommission(
  { config, sfn, db, now }: Deps,
  event: Event,
  decision: ReviewDecision,
): Promise<HttpResponse> {
  const partnerId = parseOrThrow(partnerIdSchema, event.pathParameters?.partnerId, invalid, 'partnerId');
  const commissionId = parseOrThrow(
    commissionIdSchema,
    event.pathParameters?.commissionId,
    invalid,
    'commissionId',
  );
  annotate({ partnerId, workflow: 'commission' });
  const stateMachineArn = stateMachineArnOf(config, 'commission');

  const out = await db.send(
    new GetCommand({
      TableName: config.commissionsTable,
      Key: { partnerId, commissionId },
      ProjectionExpression: '#status, referredUserId',
      ExpressionAttributeNames: { '#status': 'status' },
      ConsistentRead: true,
    }),
  );
  if (!out.Item) throw new UnknownCommissionError(partnerId, commissionId);
  const commission = parseOrThrow(reviewedCommissionSchema, out.Item, corrupt, 'commission');
  if (commission.status !== 'on_hold') throw new CommissionNotOnHoldError(commissionId, commission.status);

  const at = now();
  const input: FactWorkflowInput = {
    fact: {
      kind: 'review',
      key: factKeys.review(commissionId, decision),
      at: at.toISOString(),
      commissionId,
      decision,
    },
    userId: commission.referredUserId,
    findUserBy: [],
    links: [],
    parkExpiresAt: expiresAfterDays(at.getTime() / 1000, PARKED_EVENT_TTL_DAYS),
  };
  const name = executionNameFor('review', `${partnerId}-${commissionId}-${decision}`);
  const result = await startWorkflowIdempotently(sfn, { stateMachineArn, name, input });
  const body: ReviewResponse = {
    executionArn: result.started ? result.executionArn : executionArnOf(stateMachineArn, name),
    commissionId,
    decision,
  };
  if (!result.started) {
    logger.info('Commission review already started', { partnerId, commissionId, decision });
    return json(200, body);
  }
  logger.info('Commission review started', { partnerId, commissionId, decision });
  return json(202, body);
}

async function startApprovalRun({ config, sfn }: Deps): Promise<HttpResponse> {
  annotate({ workflow: 'approval' });
  const out = await sfn.send(
    new StartExecutionCommand({ stateMachineArn: stateMachineArnOf(config, 'approval'), input: '{}' }),
  );
  logger.info('Approval run started', { executionArn: out.executionArn });
  return json(202, { executionArn: out.executionArn ?? null });
}

/** A Standard execution's ARN: its state machine's, `stateMachine` replaced by `execution`, plus its name. */
export const executionArnOf = (stateMachineArn: string, name: string): string =>
  `${stateMachineArn.replace(':stateMachine:', ':execution:')}:${name}`;

export const handler = createAdminApiHandler({
  config: loadRuntimeConfig(process.env),
  sfn: createSfnClient(),
  db: createDocumentClient(),
});
