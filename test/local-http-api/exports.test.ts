import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { Writable } from 'node:stream';
import { parse } from 'csv-parse/sync';
import { TABLE_NAMES } from '../../domain/config';
import type { PageBudget } from '../../domain/exports';
import { ROUTES } from '../../domain/routes';
import { createExportApiHandler } from '../../lambdas/export-api';
import { createTables } from '../../local/create-tables';
import { downloadExport, ExportRefusedError, parseExportArgs } from '../../local/export';
import { loadOrCreateIssuer, type LocalIssuer } from '../../local/http-api/jwt';
import { startHttpApi, type HttpApiRoute, type RunningHttpApi } from '../../local/http-api/server';
import { useDynamoDbLocal } from '../local/support';
import { commission, paidReferral, partnerStats, signedUpReferral, testConfig } from '../unit/builders';
import { ADMIN_SCOPE, AUDIENCE, call, type Reply } from './support';

/**
 * The export function on DynamoDB Local behind the local HTTP API, routed as the template routes it: the
 * partner route with any valid token (the handler checks the `partnerId` claim), the admin route with the
 * admin scope. Two APIs: one with the default budget, one whose small budget makes every export page.
 */
const db = useDynamoDbLocal();
let issuer: LocalIssuer;
let api: RunningHttpApi;
let paged: RunningHttpApi;

const context = { functionName: 'export-api', awsRequestId: 'req-1' } as Context;
/** Three commission lines and a little more: small enough that the seeded exports take several pages. */
const SMALL: PageBudget = { bytes: 400, reads: 1000 };

async function startApi(budget?: PageBudget, itemsPerRead?: number): Promise<RunningHttpApi> {
  const documents = DynamoDBDocumentClient.from(db().client);
  const handler = createExportApiHandler({
    config: testConfig(),
    db: documents,
    ...(budget ? { budget } : {}),
    ...(itemsPerRead ? { itemsPerRead } : {}),
  });
  const route = (routeKey: string, scopes: string[]): HttpApiRoute => ({
    routeKey,
    authorizationType: 'JWT',
    authorizationScopes: scopes,
    handler: (event) => handler(event as never, context),
  });
  return startHttpApi({
    port: 0,
    routes: [route(`GET ${ROUTES.exports}`, []), route(`GET ${ROUTES.adminExports}`, [ADMIN_SCOPE])],
    jwt: { issuer, audience: [AUDIENCE] },
  });
}

const day = (d: number, hour = 12): string => new Date(Date.UTC(2026, 0, d, hour)).toISOString();

/** acme: 12 commissions on Jan 1…12 (a clawback among them), beta: 2; payouts with their claims; referrals with guards. */
function seedItems() {
  const acmeCommissions = Array.from({ length: 12 }, (_, i) => {
    const n = i + 1;
    const clawback = n === 7;
    return {
      ...commission({
        partnerId: 'acme',
        commissionId: clawback ? 'clawback#in_3' : `inv#in_${n}`,
        invoiceId: clawback ? 'in_3' : `in_${n}`,
        referredUserId: n === 5 ? '=HYPERLINK("http://evil")' : `user_${n}`,
        type: clawback ? 'clawback' : 'invoice',
        baseAmountCents: clawback ? -2999 : 2999,
        netCents: clawback ? -750 : 750,
        earnedAt: day(n),
        status: n <= 2 ? 'paid' : 'approved',
        ...(n <= 2 ? { payoutId: 'po_2026_01_acme', paidAt: day(20) } : {}),
      }),
      statusEarnedAt: `${n <= 2 ? 'paid' : 'approved'}#${day(n)}`,
    };
  });
  const betaCommissions = [1, 2].map((n) => ({
    ...commission({
      partnerId: 'beta',
      commissionId: `inv#in_b${n}`,
      invoiceId: `in_b${n}`,
      earnedAt: day(n),
    }),
    statusEarnedAt: `pending#${day(n)}`,
  }));
  const payout = (partnerId: string, payoutId: string, createdAt: string) => ({
    partnerId,
    payoutId,
    status: 'paid',
    amountCents: 150_000,
    currency: 'usd',
    lines: [],
    periodStart: day(1),
    periodEnd: createdAt,
    runId: 'payout-run-1',
    createdAt,
    updatedAt: createdAt,
    paidAt: createdAt,
    reference: 'tr_1',
    version: 2,
  });
  const payouts = [
    payout('acme', 'po_2026_01_acme', day(20)),
    payout('acme', 'po_2026_02_acme', day(31)),
    payout('beta', 'po_2026_01_beta', day(20)),
    // The claims beside them are internal: never a row.
    { partnerId: 'acme', payoutId: 'claim#inv#in_1', claimedBy: 'po_2026_01_acme' },
    { partnerId: 'beta', payoutId: 'claim#inv#in_b1', claimedBy: 'po_2026_01_beta' },
  ];
  const referrals = [
    paidReferral({ partnerId: 'acme', referralId: 'ref_user_1', referredUserId: 'user_1' }),
    signedUpReferral({
      partnerId: 'acme',
      referralId: 'ref_user_2',
      referredUserId: 'user_2',
      signedUpAt: day(15),
    }),
    signedUpReferral({ partnerId: 'beta', referralId: 'ref_user_9', referredUserId: 'user_9' }),
    // Guard items of the same table: a claim and a fact under the user's partition.
    { partnerId: 'user#user_1', referralId: 'claim', claimedBy: 'acme' },
    { partnerId: 'user#user_1', referralId: 'fact#signup#evt_1', fact: '{}', signedUpAt: day(1) },
  ];
  return {
    [TABLE_NAMES.commissions]: [...acmeCommissions, ...betaCommissions],
    [TABLE_NAMES.payouts]: payouts,
    [TABLE_NAMES.referrals]: referrals,
    [TABLE_NAMES.stats]: [partnerStats({ partnerId: 'acme' }), partnerStats({ partnerId: 'beta' })],
  };
}

beforeAll(async () => {
  await createTables(db().client);
  const documents = DynamoDBDocumentClient.from(db().client);
  for (const [table, items] of Object.entries(seedItems())) {
    for (let i = 0; i < items.length; i += 25)
      await documents.send(
        new BatchWriteCommand({
          RequestItems: { [table]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) },
        }),
      );
  }
  issuer = await loadOrCreateIssuer(undefined);
  api = await startApi();
  paged = await startApi(SMALL);
});
afterAll(async () => {
  await api?.close();
  await paged?.close();
});

const partnerToken = (partnerId: string) =>
  issuer.sign({ sub: partnerId, partnerId }, { audience: AUDIENCE });
const adminToken = () => issuer.sign({ sub: 'ops', scope: ADMIN_SCOPE }, { audience: AUDIENCE });
const rowsOf = (text: string): string[][] => parse(text) as string[][];

/** Follows the `next` links from `target`, returning every page. */
async function allPages(base: string, target: string, token: string): Promise<Reply[]> {
  const pages: Reply[] = [];
  let url: URL | undefined = new URL(target, base);
  while (url) {
    const reply = await call(base, `${url.pathname}${url.search}`, { token });
    expect(reply.status).toBe(200);
    pages.push(reply);
    const link = reply.headers.get('link');
    const next = link === null ? undefined : /^<([^>]*)>; rel="next"$/.exec(link)?.[1];
    url = next === undefined ? undefined : new URL(next, url);
  }
  return pages;
}

describe("a partner's commissions", () => {
  it('are one CSV of documented columns, oldest first, with a download header', async () => {
    const reply = await call(api.url, '/partners/acme/exports/commissions.csv', {
      token: await partnerToken('acme'),
    });

    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(reply.headers.get('content-disposition')).toBe('attachment; filename="acme-commissions.csv"');
    expect(reply.headers.get('link')).toBeNull();
    const [header, ...rows] = rowsOf(reply.text);
    expect(header?.slice(0, 3)).toEqual(['partner_id', 'commission_id', 'earned_at']);
    expect(rows.map((r) => r[2])).toEqual(Array.from({ length: 12 }, (_, i) => day(i + 1)));
    expect(rows.every((r) => r[0] === 'acme')).toBe(true);
    expect(rows[0]).toEqual([
      'acme',
      'inv#in_1',
      day(1),
      'invoice',
      'user_1',
      'in_1',
      '29.99',
      '7.50',
      'USD',
      'paid',
      'po_2026_01_acme',
      day(20),
    ]);
    expect(rows[4]?.[4]).toBe(`'=HYPERLINK("http://evil")`);
    expect(rows[6]?.slice(1, 8)).toEqual([
      'clawback#in_3',
      day(7),
      'clawback',
      'user_7',
      'in_3',
      '-29.99',
      '-7.50',
    ]);
  });

  it('filter by days read in the time zone: from inclusive, to through the end of its day', async () => {
    // Jan 3 to Jan 5 in Tokyo: 2026-01-02T15:00Z up to 2026-01-05T15:00Z, so Jan 3, 4 and 5 at 12:00Z.
    const reply = await call(
      api.url,
      '/partners/acme/exports/commissions.csv?from=2026-01-03&to=2026-01-05&timezone=Asia/Tokyo',
      { token: await partnerToken('acme') },
    );

    expect(reply.status).toBe(200);
    expect(
      rowsOf(reply.text)
        .slice(1)
        .map((r) => r[2]),
    ).toEqual([day(3), day(4), day(5)]);
  });

  it('exclude a row exactly at a timestamp `to`', async () => {
    const reply = await call(api.url, `/partners/acme/exports/commissions.csv?from=${day(2)}&to=${day(4)}`, {
      token: await partnerToken('acme'),
    });
    expect(
      rowsOf(reply.text)
        .slice(1)
        .map((r) => r[2]),
    ).toEqual([day(2), day(3)]);
  });

  it('page under a small budget: each page stops at a row boundary, the header once, the pages one CSV', async () => {
    const token = await partnerToken('acme');
    const whole = await call(api.url, '/partners/acme/exports/commissions.csv?from=2026-01-02', { token });

    const pages = await allPages(paged.url, '/partners/acme/exports/commissions.csv?from=2026-01-02', token);

    expect(pages.length).toBeGreaterThanOrEqual(4);
    expect(pages.map((p) => p.text).join('')).toBe(whole.text);
    expect(rowsOf(whole.text)).toHaveLength(1 + 11);
    for (const [i, page] of pages.entries()) {
      expect(page.text.endsWith('\r\n')).toBe(true);
      expect(Buffer.byteLength(JSON.stringify(page.text)) - 2).toBeLessThanOrEqual(SMALL.bytes);
      expect(page.text.startsWith('partner_id,')).toBe(i === 0);
    }
    // The next link repeats the request's parameters beside the cursor.
    expect(pages[0]?.headers.get('link')).toMatch(/^<\?from=2026-01-02&cursor=[A-Za-z0-9_-]+>; rel="next"$/);
  });

  it('refuse a cursor of another range', async () => {
    const token = await partnerToken('acme');
    const first = await call(paged.url, '/partners/acme/exports/commissions.csv?from=2026-01-02', { token });
    const cursor = /cursor=([A-Za-z0-9_-]+)/.exec(first.headers.get('link') ?? '')?.[1];

    const reply = await call(
      paged.url,
      `/partners/acme/exports/commissions.csv?from=2026-01-03&cursor=${cursor}`,
      {
        token,
      },
    );

    expect(reply.status).toBe(400);
    expect(reply.json()).toMatchObject({ error: 'InvalidCursor' });
  });
});

describe('who may export', () => {
  it.each(['commissions.csv', 'payouts.csv', 'referrals.csv'])(
    "a partner may not read another partner's %s: 403, nothing read",
    async (name) => {
      const reply = await call(api.url, `/partners/acme/exports/${name}`, {
        token: await partnerToken('beta'),
      });

      expect(reply.status).toBe(403);
      expect(reply.json()).toMatchObject({ error: 'Forbidden' });
      expect(reply.text).not.toContain('inv#');
    },
  );

  it('a partner token cannot reach the admin route: 403 from the authorizer', async () => {
    const reply = await call(api.url, '/admin/exports/commissions.csv?partnerId=acme', {
      token: await partnerToken('acme'),
    });
    expect(reply.status).toBe(403);
    expect(reply.json()).toEqual({ message: 'Forbidden' });
  });

  it("an admin reads one partner's or every partner's", async () => {
    const token = await adminToken();
    const one = await call(api.url, '/admin/exports/commissions.csv?partnerId=beta', { token });
    const all = await call(api.url, '/admin/exports/commissions.csv', { token });

    expect(
      rowsOf(one.text)
        .slice(1)
        .map((r) => r[1]),
    ).toEqual(['inv#in_b1', 'inv#in_b2']);
    expect(one.headers.get('content-disposition')).toBe('attachment; filename="beta-commissions.csv"');
    expect(rowsOf(all.text).slice(1)).toHaveLength(14);
    expect(all.headers.get('content-disposition')).toBe(
      'attachment; filename="all-partners-commissions.csv"',
    );
  });

  it('an unknown partner is a 404, not an empty file', async () => {
    const reply = await call(api.url, '/admin/exports/payouts.csv?partnerId=nobody', {
      token: await adminToken(),
    });
    expect(reply.status).toBe(404);
    expect(reply.json()).toMatchObject({ error: 'UnknownPartner' });
  });
});

describe('payouts and referrals', () => {
  it("are a partner's payout rows only, in creation order, never the claims", async () => {
    const reply = await call(api.url, '/partners/acme/exports/payouts.csv', {
      token: await partnerToken('acme'),
    });

    expect(rowsOf(reply.text)).toEqual([
      [
        'partner_id',
        'payout_id',
        'period_start',
        'period_end',
        'amount',
        'currency',
        'status',
        'reference',
        'created_at',
        'paid_at',
      ],
      ['acme', 'po_2026_01_acme', day(1), day(20), '1500.00', 'USD', 'paid', 'tr_1', day(20), day(20)],
      ['acme', 'po_2026_02_acme', day(1), day(31), '1500.00', 'USD', 'paid', 'tr_1', day(31), day(31)],
    ]);
  });

  it('every partner’s payouts, filtered by creation time, paged by Scan', async () => {
    const token = await adminToken();
    const pages = await allPages(paged.url, '/admin/exports/payouts.csv?to=2026-01-25', token);
    const ids = pages.flatMap((p, i) => rowsOf(p.text).slice(i === 0 ? 1 : 0)).map((r) => r[1]);
    expect(ids.sort()).toEqual(['po_2026_01_acme', 'po_2026_01_beta']);
  });

  it("every partner's referrals, never the guard items beside them", async () => {
    const reply = await call(api.url, '/admin/exports/referrals.csv', { token: await adminToken() });
    const rows = rowsOf(reply.text).slice(1);
    expect(rows.map((r) => `${r[0]}/${r[1]}`).sort()).toEqual([
      'acme/ref_user_1',
      'acme/ref_user_2',
      'beta/ref_user_9',
    ]);
  });

  it("a partner's referrals by signup day", async () => {
    const reply = await call(api.url, '/partners/acme/exports/referrals.csv?from=2026-01-14', {
      token: await partnerToken('acme'),
    });
    expect(rowsOf(reply.text).slice(1)).toEqual([
      ['acme', 'ref_user_2', 'signed_up', 'AF', '', day(15), '', '', ''],
    ]);
  });

  it('a reads budget ends a sparse Scan page where its last read ended, and the links still reach every row', async () => {
    const sparse = await startApi({ bytes: 1e6, reads: 1 }, 2);
    try {
      const pages = await allPages(sparse.url, '/admin/exports/referrals.csv', await adminToken());
      expect(pages.length).toBeGreaterThan(1);
      const rows = pages.flatMap((p, i) => rowsOf(p.text).slice(i === 0 ? 1 : 0));
      expect(rows.map((r) => r[1]).sort()).toEqual(['ref_user_1', 'ref_user_2', 'ref_user_9']);
    } finally {
      await sparse.close();
    }
  });
});

describe('bad parameters: 400 naming the field', () => {
  it.each([
    ['/partners/acme/exports/ledger.csv', 'exportName'],
    ['/partners/acme/exports/commissions.csv?timezone=Mars/Olympus', 'timezone'],
    ['/partners/acme/exports/commissions.csv?from=2026-13-01', 'from'],
    ['/partners/acme/exports/commissions.csv?to=yesterday', 'to'],
    ['/partners/acme/exports/commissions.csv?from=2026-02-01&to=2026-01-01', 'to'],
    ['/partners/acme/exports/commissions.csv?partnerId=beta', 'partnerId'],
    ['/partners/acme/exports/commissions.csv?form=2026-01-01', 'form'],
  ])('%s → %s', async (target, field) => {
    const reply = await call(api.url, target, { token: await partnerToken('acme') });

    expect(reply.status).toBe(400);
    expect(reply.json()).toMatchObject({ error: 'InvalidRequest', field });
  });

  it('an admin partnerId that is no partner id', async () => {
    const reply = await call(api.url, '/admin/exports/referrals.csv?partnerId=user%23x', {
      token: await adminToken(),
    });
    expect(reply.status).toBe(400);
    expect(reply.json()).toMatchObject({ error: 'InvalidRequest', field: 'partnerId' });
  });
});

describe('npm run export', () => {
  /** A sink that keeps what it is written, a chunk per page. */
  const sink = () => {
    const chunks: string[] = [];
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk.toString('utf8'));
        done();
      },
    });
    return { stream, chunks };
  };

  it('parses the export, the partner and the range into the admin route’s parameters', () => {
    expect(
      parseExportArgs([
        'commissions',
        '--partner',
        'acme',
        '--from',
        '2026-01-02',
        '--timezone',
        'Asia/Tokyo',
      ]),
    ).toMatchObject({
      name: 'commissions.csv',
      query: { partnerId: 'acme', from: '2026-01-02', timezone: 'Asia/Tokyo' },
    });
    expect(() => parseExportArgs(['commissions', '--partner', 'user#1'])).toThrow(
      '--partner: "user#1" is not a partner id',
    );
    expect(() => parseExportArgs([])).toThrow('expected one export');
  });

  it('follows the next links and writes the pages as one CSV, a page at a time', async () => {
    const token = await adminToken();
    const whole = await call(api.url, '/admin/exports/commissions.csv?partnerId=acme&from=2026-01-02', {
      token,
    });
    const out = sink();

    const pages = await downloadExport(
      { ...parseExportArgs(['commissions', '--partner', 'acme', '--from', '2026-01-02']), apiUrl: paged.url },
      token,
      out.stream,
    );

    expect(pages).toBeGreaterThanOrEqual(4);
    expect(out.chunks).toHaveLength(pages);
    expect(out.chunks.join('')).toBe(whole.text);
  });

  it('stops with what the API said when it refuses', async () => {
    const out = sink();
    const refused = downloadExport(
      { ...parseExportArgs(['payouts', '--timezone', 'Mars/Olympus']), apiUrl: api.url },
      await adminToken(),
      out.stream,
    );

    await expect(refused).rejects.toThrow(ExportRefusedError);
    await expect(refused).rejects.toThrow(/400 timezone: expected an IANA time zone/);
    expect(out.chunks).toEqual([]);
  });
});
