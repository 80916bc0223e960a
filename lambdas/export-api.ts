import {
  GetCommand,
  QueryCommand,
  ScanCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
  type ScanCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { partnerIdSchema } from '../domain/app-events';
import { commissionItemSchema } from '../domain/commissions-view';
import { INDEX_NAMES, loadRuntimeConfig, type RuntimeConfig } from '../domain/config';
import {
  ConfigurationError,
  InvalidRequestError,
  MalformedEventError,
  UnknownPartnerError,
} from '../domain/errors';
import { timeRangeOf, type TimeRange } from '../domain/export-range';
import {
  collectPage,
  decodeExportCursor,
  DEFAULT_PAGE_BUDGET,
  encodeExportCursor,
  exportKindOf,
  exportNameOf,
  headerLine,
  RANGE_ATTRIBUTE,
  rowLine,
  type ExportKind,
  type ExportName,
  type ExportScope,
  type PageBudget,
  type ResumeKey,
  type SourceEvent,
} from '../domain/exports';
import { referralItemSchema } from '../domain/items';
import { PAYOUT_ID_PREFIX, payoutItemSchema } from '../domain/payouts';
import { REFERRAL_ID_PREFIX } from '../domain/referral';
import { routeKeyOf } from '../domain/routes';
import { parseOrThrow } from '../domain/validation';
import { partnerAllowedFor } from './commons/auth';
import { createDocumentClient } from './commons/dynamodb';
import { annotate, lambdaHandler } from './commons/handler';
import { errorResponse, type HttpResponse } from './commons/http';

const invalid = (field: string, problem: string): InvalidRequestError =>
  new InvalidRequestError(field, problem);
const corrupt = (field: string, problem: string): MalformedEventError =>
  new MalformedEventError(field, problem);

type Event = APIGatewayProxyEventV2WithJWTAuthorizer;

export interface ExportApiDeps {
  config: RuntimeConfig;
  db: DynamoDBDocumentClient;
  /** Where a response stops (default `DEFAULT_PAGE_BUDGET`); tests page with a small one. */
  budget?: PageBudget;
  /** DynamoDB's `Limit` per read (default none: each read returns up to 1 MB). */
  itemsPerRead?: number;
}

/** The query parameters each route takes; any other is a 400 naming it. */
const PARTNER_PARAMETERS = ['from', 'to', 'timezone', 'cursor'];
const ADMIN_PARAMETERS = [...PARTNER_PARAMETERS, 'partnerId'];

/**
 * The CSV exports, behind the JWT authorizer:
 * - `GET /partners/{partnerId}/exports/{exportName}?from=&to=&timezone=&cursor=`: the partner's own (the
 *   token's `partnerId` claim must name the path's partner, else 403).
 * - `GET /admin/exports/{exportName}?partnerId=&…` (admin scope, enforced by API Gateway): one partner's, or
 *   every partner's without `partnerId`.
 * `exportName` is `commissions.csv`, `payouts.csv` or `referrals.csv`. Rows are read page by page and written
 * as CSV lines until the page budget; when rows remain the response carries `Link: <?…&cursor=…>; rel="next"`.
 * The header row is on the first page only, so the pages concatenated are one CSV. 400 naming the field,
 * 400 `InvalidCursor`, 403, 404 `UnknownPartner`.
 */
export function createExportApiHandler({
  config,
  db,
  budget = DEFAULT_PAGE_BUDGET,
  itemsPerRead,
}: ExportApiDeps) {
  return lambdaHandler(async (event: Event): Promise<HttpResponse> => {
    try {
      const request = exportRequestOf(event);
      if (request.scope.partnerId !== undefined) await requireRegistered(config, db, request.scope.partnerId);
      const plan = readPlanOf(config, request.scope, itemsPerRead);
      const startKey =
        request.cursor === undefined
          ? undefined
          : decodeExportCursor(request.cursor, request.scope, plan.keyNames);
      const page = await collectPage(
        rowsOf(db, plan, request.scope.kind, startKey),
        startKey === undefined ? headerLine(request.scope.kind) : undefined,
        budget,
      );
      const next =
        page.next === undefined ? undefined : encodeExportCursor(request.scope, plan.keyNames, page.next);
      return csvResponse(request, page.body, next);
    } catch (error) {
      return errorResponse(error);
    }
  });
}

interface ExportRequest {
  name: ExportName;
  scope: ExportScope;
  cursor: string | undefined;
  /** The request's own query parameters, which the next page's link repeats. */
  query: Record<string, string>;
}

function exportRequestOf(event: Event): ExportRequest {
  const admin = event.routeKey === routeKeyOf('adminExports');
  if (!admin && event.routeKey !== routeKeyOf('exports'))
    throw new ConfigurationError(`export-api does not serve ${event.routeKey}`);
  const query = { ...(event.queryStringParameters ?? {}) } as Record<string, string>;
  const allowed = admin ? ADMIN_PARAMETERS : PARTNER_PARAMETERS;
  const unknown = Object.keys(query).find((name) => !allowed.includes(name));
  if (unknown !== undefined)
    throw new InvalidRequestError(unknown, `not a parameter of this export (expected ${allowed.join(', ')})`);

  const name = exportNameOf(event.pathParameters?.exportName);
  let partnerId: string | undefined;
  if (admin) {
    if (query.partnerId !== undefined)
      partnerId = parseOrThrow(partnerIdSchema, query.partnerId, invalid, 'partnerId');
  } else {
    const pathPartnerId = parseOrThrow(
      partnerIdSchema,
      event.pathParameters?.partnerId,
      invalid,
      'partnerId',
    );
    partnerId = partnerAllowedFor(event, pathPartnerId);
  }
  if (partnerId !== undefined) annotate({ partnerId });
  const range = timeRangeOf(query);
  const { cursor, ...rest } = query;
  return { name, scope: { kind: exportKindOf(name), partnerId, range }, cursor, query: rest };
}

/** A partner's export names a registered partner (a mistyped id is a 404, not an empty file). */
async function requireRegistered(config: RuntimeConfig, db: DynamoDBDocumentClient, partnerId: string) {
  const out = await db.send(
    new GetCommand({ TableName: config.statsTable, Key: { partnerId }, ProjectionExpression: 'partnerId' }),
  );
  if (!out.Item) throw new UnknownPartnerError(partnerId);
}

// ---- Reads ------------------------------------------------------------------------------------------------

/** One export's reads: a Query or a Scan, repeated from each `LastEvaluatedKey`, and the keys it resumes by. */
type ReadPlan = (
  { operation: 'query'; input: QueryCommandInput } | { operation: 'scan'; input: ScanCommandInput }
) & {
  keyNames: string[];
  /** Items whose attribute equals the value are read but not rows (the `to` a BETWEEN includes). */
  skip?: { attribute: string; value: string };
};

/** `attr >= :from AND attr < :to`, either side only when the range has it. */
function rangeFilter(attribute: string, range: TimeRange): string[] {
  return [
    ...(range.from === undefined ? [] : [`${attribute} >= :from`]),
    ...(range.to === undefined ? [] : [`${attribute} < :to`]),
  ];
}

const rangeValues = (range: TimeRange): Record<string, string> => ({
  ...(range.from === undefined ? {} : { ':from': range.from }),
  ...(range.to === undefined ? {} : { ':to': range.to }),
});

const filterOf = (conditions: string[]): { FilterExpression?: string } =>
  conditions.length === 0 ? {} : { FilterExpression: conditions.join(' AND ') };

/**
 * How each export reads. A partner's commissions: Query on `partnerId-earnedAt-index`, oldest first, the range
 * in the key condition (BETWEEN is inclusive: a row exactly at `to` is read and dropped here, since
 * a filter may not name a key attribute). A partner's payouts
 * and referrals: Query on the table's partition, the sort key's prefix keeping payouts (`po_<cutoff>_…`, whose ids sort
 * by their run's cutoff) and referrals (`ref_…`) from the claims and guards beside them, the range a filter. Every
 * partner's: a Scan with the same filters, in the table's order.
 */
function readPlanOf(config: RuntimeConfig, scope: ExportScope, itemsPerRead: number | undefined): ReadPlan {
  const { kind, partnerId, range } = scope;
  const attribute = RANGE_ATTRIBUTE[kind];
  const limit = itemsPerRead === undefined ? {} : { Limit: itemsPerRead };
  const values = rangeValues(range);
  if (kind === 'commissions') {
    if (partnerId === undefined)
      return {
        operation: 'scan',
        keyNames: ['partnerId', 'commissionId'],
        input: {
          TableName: config.commissionsTable,
          ...filterOf(rangeFilter(attribute, range)),
          ...(Object.keys(values).length === 0 ? {} : { ExpressionAttributeValues: values }),
          ...limit,
        },
      };
    // A key condition takes one comparison of the sort key, and a filter may not name it.
    const between = range.from !== undefined && range.to !== undefined;
    const sortKey = between ? [`${attribute} BETWEEN :from AND :to`] : rangeFilter(attribute, range);
    return {
      operation: 'query',
      keyNames: ['partnerId', 'commissionId', attribute],
      ...(between && range.to !== undefined ? { skip: { attribute, value: range.to } } : {}),
      input: {
        TableName: config.commissionsTable,
        IndexName: INDEX_NAMES.commissionsByPartner,
        KeyConditionExpression: ['partnerId = :partnerId', ...sortKey].join(' AND '),
        ExpressionAttributeValues: { ':partnerId': partnerId, ...values },
        ScanIndexForward: true,
        ...limit,
      },
    };
  }
  const [table, sortKeyName, prefix] =
    kind === 'payouts'
      ? [config.payoutsTable, 'payoutId', PAYOUT_ID_PREFIX]
      : [config.referralsTable, 'referralId', REFERRAL_ID_PREFIX];
  const keyNames = ['partnerId', sortKeyName];
  const prefixValues = { ':prefix': prefix, ...values };
  if (partnerId === undefined)
    return {
      operation: 'scan',
      keyNames,
      input: {
        TableName: table,
        ...filterOf([`begins_with(${sortKeyName}, :prefix)`, ...rangeFilter(attribute, range)]),
        ExpressionAttributeValues: prefixValues,
        ...limit,
      },
    };
  return {
    operation: 'query',
    keyNames,
    input: {
      TableName: table,
      KeyConditionExpression: `partnerId = :partnerId AND begins_with(${sortKeyName}, :prefix)`,
      ...filterOf(rangeFilter(attribute, range)),
      ExpressionAttributeValues: { ':partnerId': partnerId, ...prefixValues },
      ScanIndexForward: true,
      ...limit,
    },
  };
}

/** An item of each export → its CSV line, validated by the table's item schema (a corrupt item is a 500). */
const LINE_OF: { [K in ExportKind]: (item: unknown, field: string) => string } = {
  commissions: (item, field) =>
    rowLine('commissions', parseOrThrow(commissionItemSchema, item, corrupt, field)),
  payouts: (item, field) => rowLine('payouts', parseOrThrow(payoutItemSchema, item, corrupt, field)),
  referrals: (item, field) => rowLine('referrals', parseOrThrow(referralItemSchema, item, corrupt, field)),
};

/** The key attributes of an item or a `LastEvaluatedKey`, each a string. */
function keyOf(item: Record<string, unknown>, names: readonly string[]): ResumeKey {
  return Object.fromEntries(
    names.map((name) => {
      const value = item[name];
      if (typeof value !== 'string') throw new MalformedEventError(name, 'expected a string key attribute');
      return [name, value];
    }),
  );
}

/**
 * The export's rows as CSV lines, one DynamoDB read at a time: only the current read's items are held, and
 * the caller stops reading as soon as its page is full.
 */
async function* rowsOf(
  db: DynamoDBDocumentClient,
  plan: ReadPlan,
  kind: ExportKind,
  startKey: ResumeKey | undefined,
): AsyncGenerator<SourceEvent> {
  let start = startKey;
  do {
    const exclusiveStart = start === undefined ? {} : { ExclusiveStartKey: { ...start } };
    const out =
      plan.operation === 'query'
        ? await db.send(new QueryCommand({ ...plan.input, ...exclusiveStart }))
        : await db.send(new ScanCommand({ ...plan.input, ...exclusiveStart }));
    for (const [i, item] of (out.Items ?? []).entries()) {
      if (plan.skip && item[plan.skip.attribute] === plan.skip.value) continue;
      yield { row: LINE_OF[kind](item, `${kind}[${i}]`), key: keyOf(item, plan.keyNames) };
    }
    start = out.LastEvaluatedKey === undefined ? undefined : keyOf(out.LastEvaluatedKey, plan.keyNames);
    yield { readEnd: start };
  } while (start !== undefined);
}

// ---- Response ---------------------------------------------------------------------------------------------

/**
 * The page as `text/csv` (RFC 4180's media type, https://www.rfc-editor.org/rfc/rfc4180#section-3) to save
 * as a file, and the next page's link (RFC 8288) as a relative reference: the same path with the request's
 * parameters and the cursor, whatever domain or base path the API is mapped under.
 */
function csvResponse(request: ExportRequest, body: string, cursor: string | undefined): HttpResponse {
  const partner = request.scope.partnerId ?? 'all-partners';
  const headers: Record<string, string> = {
    'content-type': 'text/csv; charset=utf-8',
    'content-disposition': `attachment; filename="${partner}-${request.name}"`,
    'cache-control': 'no-store',
  };
  if (cursor !== undefined)
    headers.link = `<?${new URLSearchParams({ ...request.query, cursor }).toString()}>; rel="next"`;
  return { statusCode: 200, headers, body };
}

export const handler = createExportApiHandler({
  config: loadRuntimeConfig(process.env),
  db: createDocumentClient(),
});
