import { DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { DEFAULT_ADMIN_SCOPE, TABLE_NAMES } from '../../domain/config';
import { STATS_COUNTERS } from '../../domain/stats';
import { LocalSystem, type LocalSystemOptions } from '../../local/system';
import type { FaultInjector } from '../../local/workflow-runtime';
import { userEmailVerifiedEvent, userSignedUpEvent } from './app-events';

/**
 * A test's view of the local system: the real ASL on DynamoDB Local, the real handlers, and small
 * helpers to act like the outside world (a browser, the app, Stripe, an admin) and to read the tables.
 * Retry waits are scaled to zero so failure paths run fast; the number of attempts is unchanged.
 */
export class World {
  /** The fault injector of the next executions; none by default. */
  faults: FaultInjector | undefined;

  private constructor(
    readonly system: LocalSystem,
    readonly db: DynamoDBDocumentClient,
  ) {}

  static async start(options: LocalSystemOptions = {}): Promise<World> {
    // The injector is read at each Task call, so tests can change `world.faults` between executions.
    const ref: { world?: World } = {};
    const system = await LocalSystem.start({
      retryDelayScale: 0,
      faults: (call) => ref.world?.faults?.(call),
      ...options,
    });
    ref.world = new World(system, DynamoDBDocumentClient.from(system.dynamoDb));
    return ref.world;
  }

  get runtime() {
    return this.system.runtime;
  }

  stop(): Promise<void> {
    return this.system.stop();
  }

  async registerPartner(partnerId: string): Promise<number> {
    const res = await this.system.adminApi(
      jwtEvent({ body: JSON.stringify({ partnerId }), claims: { scope: DEFAULT_ADMIN_SCOPE } }),
    );
    return res.statusCode;
  }

  async click(partnerId: string, ip = '203.0.113.7') {
    return this.system.clickApi(httpEvent({ pathParameters: { partnerId }, sourceIp: ip }));
  }

  async dashboard(partnerId: string, opts: { callerPartnerId?: string; cursor?: string } = {}) {
    const res = await this.system.dashboardApi(
      jwtEvent({
        pathParameters: { partnerId },
        claims: { partnerId: opts.callerPartnerId ?? partnerId },
        ...(opts.cursor ? { queryStringParameters: { cursor: opts.cursor } } : {}),
      }),
    );
    return { statusCode: res.statusCode, body: JSON.parse(res.body || 'null') as Record<string, unknown> };
  }

  async signup(partnerId: string, userId: string, eventId = `evt-signup-${userId}`) {
    return this.system.deliverAppEvent(userSignedUpEvent({ partnerId, userId, eventId }));
  }

  async verify(userId: string, eventId = `evt-verify-${userId}`) {
    return this.system.deliverAppEvent(userEmailVerifiedEvent({ userId, eventId }));
  }

  settle(): Promise<void> {
    return this.system.settle();
  }

  async stats(partnerId: string): Promise<Record<string, unknown> | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: TABLE_NAMES.stats, Key: { partnerId }, ConsistentRead: true }),
    );
    return out.Item;
  }

  /** Only the counters (and clicks), the part a test compares. */
  async counters(partnerId: string): Promise<Record<string, number>> {
    const item = await this.stats(partnerId);
    if (!item) throw new Error(`no stats row for ${partnerId}`);
    return Object.fromEntries(
      [...STATS_COUNTERS, 'totalClicks'].map((k) => [k, Number(item[k] ?? Number.NaN)]),
    );
  }

  async referral(partnerId: string, userId: string): Promise<Record<string, unknown> | undefined> {
    const out = await this.db.send(
      new GetCommand({
        TableName: TABLE_NAMES.referrals,
        Key: { partnerId, referralId: `ref_${userId}` },
        ConsistentRead: true,
      }),
    );
    return out.Item;
  }

  /** Events parked under the user's guard partition. */
  async parked(userId: string): Promise<Record<string, unknown>[]> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: TABLE_NAMES.referrals,
        KeyConditionExpression: 'partnerId = :p AND begins_with(referralId, :parked)',
        ExpressionAttributeValues: { ':p': `user#${userId}`, ':parked': 'parked#' },
        ConsistentRead: true,
      }),
    );
    return out.Items ?? [];
  }

  /** Runs reconciliation on demand and returns its report. */
  async reconcile(): Promise<Record<string, unknown>> {
    const { executionArn } = this.runtime.start('reconciliation', {});
    const done = await this.runtime.waitFor(executionArn);
    if (done.status !== 'SUCCEEDED')
      throw new Error(`reconciliation ${done.status}: ${done.error} ${done.cause}`);
    return done.output as Record<string, unknown>;
  }

  /** The executions of a workflow, oldest first. */
  executions(workflow: string) {
    return this.runtime.list(workflow);
  }
}

/** Counters with the given values and every other counter at zero. */
export function expectedCounters(values: Partial<Record<string, number>>): Record<string, number> {
  return Object.fromEntries([...STATS_COUNTERS, 'totalClicks'].map((k) => [k, values[k] ?? 0])) as Record<
    string,
    number
  >;
}

function httpEvent(args: {
  pathParameters?: Record<string, string>;
  sourceIp?: string;
  body?: string;
  queryStringParameters?: Record<string, string>;
}): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/',
    rawQueryString: '',
    headers: { 'user-agent': 'jest-test-agent' },
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: 'GET',
        path: '/',
        protocol: 'HTTP/1.1',
        sourceIp: args.sourceIp ?? '127.0.0.1',
        userAgent: 'jest-test-agent',
      },
      requestId: 'req-1',
      routeKey: '$default',
      stage: '$default',
      time: '',
      timeEpoch: 0,
    },
    isBase64Encoded: false,
    ...(args.pathParameters ? { pathParameters: args.pathParameters } : {}),
    ...(args.queryStringParameters ? { queryStringParameters: args.queryStringParameters } : {}),
    ...(args.body !== undefined ? { body: args.body } : {}),
  };
}

function jwtEvent(args: {
  pathParameters?: Record<string, string>;
  body?: string;
  claims: Record<string, string>;
  queryStringParameters?: Record<string, string>;
}): APIGatewayProxyEventV2WithJWTAuthorizer {
  const base = httpEvent(args);
  return {
    ...base,
    requestContext: {
      ...base.requestContext,
      authorizer: {
        principalId: '',
        integrationLatency: 0,
        jwt: { claims: args.claims, scopes: args.claims.scope ? args.claims.scope.split(' ') : [] },
      },
    },
  };
}
