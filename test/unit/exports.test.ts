import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { currencyExponent } from '../../domain/config';
import { csvLine, textCell } from '../../domain/csv';
import { InvalidCursorError, InvalidRequestError } from '../../domain/errors';
import { startOfDay, timeRangeOf, timeZoneOf } from '../../domain/export-range';
import {
  collectPage,
  decimalAmount,
  decodeExportCursor,
  encodeExportCursor,
  exportNameOf,
  headerLine,
  jsonBytes,
  rowLine,
  type ExportScope,
  type SourceEvent,
} from '../../domain/exports';
import type { Payout } from '../../domain/payouts';
import { commission, paidReferral } from './builders';

const parseCsv = (text: string): string[][] => parse(text, { relax_column_count: false }) as string[][];

/** What `err` is, so a test can compare its name, field and message at once. */
function thrownBy(fn: () => unknown): { name: string; field?: string; message: string } {
  try {
    fn();
  } catch (error) {
    const e = error as Error & { field?: string };
    return { name: e.name, ...(e.field === undefined ? {} : { field: e.field }), message: e.message };
  }
  throw new Error('expected a throw');
}

describe('decimalAmount', () => {
  it.each([
    [123456, 'usd', '1234.56'],
    [5, 'usd', '0.05'],
    [-5, 'usd', '-0.05'],
    [-250, 'usd', '-2.50'],
    [0, 'usd', '0.00'],
    [1235, 'jpy', '1235'],
    [-1235, 'JPY', '-1235'],
    [1234, 'kwd', '1.234'],
    [-7, 'kwd', '-0.007'],
    [99_999_999, 'usd', '999999.99'],
  ])('%d %s → %s', (minor, currency, expected) => {
    expect(decimalAmount(minor, currency)).toBe(expected);
  });

  it('reads back as the same integer of minor units, with exactly the currency’s decimals (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
        fc.constantFrom('usd', 'eur', 'jpy', 'krw', 'kwd', 'bhd'),
        (minor, currency) => {
          const text = decimalAmount(minor, currency);
          const exponent = currencyExponent(currency);
          expect(text).toMatch(exponent === 0 ? /^-?\d+$/ : new RegExp(`^-?\\d+\\.\\d{${exponent}}$`));
          expect(BigInt(text.replace('.', ''))).toBe(BigInt(minor));
          expect(text.startsWith('-')).toBe(minor < 0);
        },
      ),
    );
  });

  it('refuses a non-integer', () => {
    expect(() => decimalAmount(1.5, 'usd')).toThrow(RangeError);
  });
});

describe('CSV lines', () => {
  it('quotes commas, quotes and line breaks as RFC 4180 says, ending each record with CRLF', () => {
    expect(csvLine(['a', 'b,c', 'say "hi"', 'x\ny', 'cr\r', ''])).toBe(
      'a,"b,c","say ""hi""","x\ny","cr\r",\r\n',
    );
  });

  it('any cells round-trip through a CSV parser, one record per line (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.string({ unit: 'grapheme' }), { minLength: 1, maxLength: 6 }), {
          minLength: 1,
          maxLength: 5,
        }),
        (records) => {
          const width = records[0]?.length ?? 1;
          const rows = records.map((r) => Array.from({ length: width }, (_, i) => r[i] ?? ''));
          // A one-column record of an empty cell is an empty line, which parsers skip: keep it non-empty.
          const kept = width === 1 ? rows.map((r) => [r[0] || 'x']) : rows;
          expect(parseCsv(kept.map(csvLine).join(''))).toEqual(kept);
        },
      ),
    );
  });

  it.each([
    ['=HYPERLINK("http://x")', `'=HYPERLINK("http://x")`],
    ['+1', "'+1"],
    ['-2+3', "'-2+3"],
    ['@SUM(A1)', "'@SUM(A1)"],
    ['\tcmd', "'\tcmd"],
    ['\rcmd', "'\rcmd"],
    ['in_1', 'in_1'],
    ['user=1', 'user=1'],
    ['', ''],
  ])('a text cell %j is written as %j', (text, cell) => {
    expect(textCell(text)).toBe(cell);
  });

  it('guards text cells in rows but leaves negative amounts numbers', () => {
    const line = rowLine('commissions', {
      ...commission({
        commissionId: 'clawback#in_1',
        type: 'clawback',
        referredUserId: '=cmd|"/c calc"!A1',
        baseAmountCents: -2999,
        netCents: -750,
        status: 'approved',
      }),
      statusEarnedAt: 'approved#2026-01-15T10:00:00.000Z',
    });
    const [cells] = parseCsv(line);
    expect(cells).toEqual([
      'acme',
      'clawback#in_1',
      '2026-01-15T10:00:00.000Z',
      'clawback',
      `'=cmd|"/c calc"!A1`,
      'in_1',
      '-29.99',
      '-7.50',
      'USD',
      'approved',
      '',
      '',
    ]);
  });
});

describe('rows', () => {
  it('writes the documented headers', () => {
    expect(parseCsv(headerLine('commissions'))[0]).toEqual([
      'partner_id',
      'commission_id',
      'earned_at',
      'type',
      'customer_reference',
      'invoice_id',
      'sale_amount',
      'earnings',
      'currency',
      'status',
      'payout_id',
      'paid_at',
    ]);
    expect(parseCsv(headerLine('payouts'))[0]).toEqual([
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
    ]);
    expect(parseCsv(headerLine('referrals'))[0]).toEqual([
      'partner_id',
      'referral_id',
      'status',
      'plan',
      'billing_cycle',
      'signed_up_at',
      'verified_at',
      'paid_at',
      'canceled_at',
    ]);
  });

  it('a payout in yen and a referral: amounts in units, times ISO 8601 UTC', () => {
    const payout: Payout = {
      partnerId: 'acme',
      payoutId: 'po_2026_02',
      status: 'paid',
      amountCents: 5000,
      currency: 'jpy',
      lines: [],
      periodStart: '2026-01-01T00:00:00+09:00',
      periodEnd: '2026-02-01T00:00:00.000Z',
      runId: 'run-1',
      createdAt: '2026-02-01T06:00:00.000Z',
      updatedAt: '2026-02-02T06:00:00.000Z',
      paidAt: '2026-02-02T06:00:00.000Z',
      reference: 'tr_1',
      version: 2,
    };
    expect(parseCsv(rowLine('payouts', payout))[0]).toEqual([
      'acme',
      'po_2026_02',
      '2025-12-31T15:00:00.000Z',
      '2026-02-01T00:00:00.000Z',
      '5000',
      'JPY',
      'paid',
      'tr_1',
      '2026-02-01T06:00:00.000Z',
      '2026-02-02T06:00:00.000Z',
    ]);
    expect(parseCsv(rowLine('referrals', paidReferral({ partnerId: 'acme' })))[0]).toEqual([
      'acme',
      'ref_user_1',
      'paid',
      'AFPlus',
      'Monthly',
      '2026-01-10T09:00:00.000Z',
      '2026-01-10T09:05:00.000Z',
      '2026-01-15T10:00:00.000Z',
      '',
    ]);
  });
});

describe('parameters', () => {
  it('names the export, else a 400 naming exportName', () => {
    expect(exportNameOf('payouts.csv')).toBe('payouts.csv');
    expect(thrownBy(() => exportNameOf('payouts.xlsx'))).toEqual({
      name: 'InvalidRequest',
      field: 'exportName',
      message: 'exportName: expected one of commissions.csv, payouts.csv, referrals.csv, got "payouts.xlsx"',
    });
  });

  it('reads days in the time zone (default UTC): from is the first instant, to includes the whole day', () => {
    expect(timeRangeOf({ from: '2026-01-01', to: '2026-01-31' })).toEqual({
      from: '2026-01-01T00:00:00.000Z',
      to: '2026-02-01T00:00:00.000Z',
    });
    expect(timeRangeOf({ from: '2026-01-01', to: '2026-01-31', timezone: 'Asia/Tokyo' })).toEqual({
      from: '2025-12-31T15:00:00.000Z',
      to: '2026-01-31T15:00:00.000Z',
    });
    // Summer time in Berlin: +02:00.
    expect(timeRangeOf({ from: '2026-07-01', timezone: 'Europe/Berlin' })).toEqual({
      from: '2026-06-30T22:00:00.000Z',
    });
  });

  it('starts a day whose midnight a DST change skips at the first hour it has', () => {
    // São Paulo, 2018-11-04: clocks went from 00:00 (−03:00) to 01:00 (−02:00).
    expect(startOfDay({ year: 2018, month: 11, day: 4 }, 'America/Sao_Paulo').toISOString()).toBe(
      '2018-11-04T03:00:00.000Z',
    );
    // And the day before lasted until then.
    expect(timeRangeOf({ to: '2018-11-03', timezone: 'America/Sao_Paulo' })).toEqual({
      to: '2018-11-04T03:00:00.000Z',
    });
  });

  it('takes timestamps with their offset as instants, whatever the time zone', () => {
    expect(
      timeRangeOf({
        from: '2026-01-01T09:00+09:00',
        to: '2026-01-02T00:00:00.5Z',
        timezone: 'America/New_York',
      }),
    ).toEqual({ from: '2026-01-01T00:00:00.000Z', to: '2026-01-02T00:00:00.500Z' });
  });

  it('canonicalises the time zone', () => {
    expect(timeZoneOf(undefined)).toBe('UTC');
    expect(timeZoneOf('europe/berlin')).toBe('Europe/Berlin');
  });

  it.each([
    [
      { timezone: 'Mars/Olympus' },
      'timezone',
      'timezone: expected an IANA time zone such as Europe/Berlin, got "Mars/Olympus"',
    ],
    [{ from: '2026-02-30' }, 'from', 'from: 2026-02-30 is not a day of the calendar'],
    [
      { from: '31/01/2026' },
      'from',
      'from: expected a day (YYYY-MM-DD) or an ISO 8601 timestamp with an offset (2026-01-31T12:00:00Z), got "31/01/2026"',
    ],
    [
      { to: '2026-01-31T12:00:00' },
      'to',
      'to: expected a day (YYYY-MM-DD) or an ISO 8601 timestamp with an offset (2026-01-31T12:00:00Z), got "2026-01-31T12:00:00"',
    ],
    [
      { to: '2026-01-31T25:00:00Z' },
      'to',
      'to: expected a day (YYYY-MM-DD) or an ISO 8601 timestamp with an offset (2026-01-31T12:00:00Z), got "2026-01-31T25:00:00Z"',
    ],
    [
      { from: '2026-02-01', to: '2026-01-31' },
      'to',
      'to: the range ends (2026-02-01T00:00:00.000Z) at or before it starts (2026-02-01T00:00:00.000Z)',
    ],
  ])('%j is a 400 naming %s', (query, field, message) => {
    expect(thrownBy(() => timeRangeOf(query))).toEqual({ name: 'InvalidRequest', field, message });
  });

  it('throws InvalidRequestError, which the API maps to 400', () => {
    expect(() => timeRangeOf({ from: 'x' })).toThrow(InvalidRequestError);
  });
});

describe('cursor', () => {
  const scope: ExportScope = {
    kind: 'commissions',
    partnerId: 'acme',
    range: { from: '2026-01-01T00:00:00.000Z' },
  };
  const keyNames = ['partnerId', 'commissionId', 'earnedAt'];
  const key = { partnerId: 'acme', commissionId: 'inv#in_9', earnedAt: '2026-01-20T00:00:00.000Z' };

  it('resumes after the key it carries, for the same export, partner and range', () => {
    const cursor = encodeExportCursor(scope, keyNames, key);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeExportCursor(cursor, scope, keyNames)).toEqual(key);
  });

  it.each([
    ['another export', { ...scope, kind: 'payouts' as const }],
    ['another partner', { ...scope, partnerId: 'other' }],
    ['every partner', { ...scope, partnerId: undefined }],
    ['another range', { ...scope, range: { from: '2026-01-02T00:00:00.000Z' } }],
    ['a range without its start', { ...scope, range: {} }],
  ])('is refused for %s', (_, other) => {
    const cursor = encodeExportCursor(scope, keyNames, key);
    expect(() => decodeExportCursor(cursor, other, keyNames)).toThrow(InvalidCursorError);
  });

  it('refuses garbage and cursors of other lists', () => {
    expect(() => decodeExportCursor('not a cursor!', scope, keyNames)).toThrow(InvalidCursorError);
    const dashboard = Buffer.from(JSON.stringify(key)).toString('base64url');
    expect(() => decodeExportCursor(dashboard, scope, keyNames)).toThrow(InvalidCursorError);
  });
});

describe('collectPage', () => {
  const row = (n: number): SourceEvent => ({ row: `row ${n}\r\n`, key: { id: String(n) } });
  /** Rows in reads of `perRead`, as a DynamoDB source yields them; records what was pulled. */
  function source(count: number, perRead: number) {
    const pulled: number[] = [];
    let closed = false;
    async function* gen(): AsyncGenerator<SourceEvent> {
      try {
        for (let start = 0; start < count; start += perRead) {
          for (let n = start; n < Math.min(count, start + perRead); n++) {
            pulled.push(n);
            yield row(n);
          }
          const last = Math.min(count, start + perRead) - 1;
          yield { readEnd: last < count - 1 ? { id: String(last) } : undefined };
        }
      } finally {
        closed = true;
      }
    }
    return { events: gen(), pulled, closed: () => closed };
  }
  const lineBytes = jsonBytes('row 0\r\n'); // 11: CR and LF are two bytes each in JSON

  it('stops at a row boundary before the byte budget, resuming after the last row written', async () => {
    const s = source(10, 4);

    const page = await collectPage(s.events, 'head\r\n', {
      bytes: jsonBytes('head\r\n') + 3 * lineBytes,
      reads: 99,
    });

    expect(page).toEqual({ body: 'head\r\nrow 0\r\nrow 1\r\nrow 2\r\n', next: { id: '2' } });
    expect(s.pulled).toEqual([0, 1, 2, 3]);
    expect(s.closed()).toBe(true);
  });

  it('takes one row even when it alone is over the budget, so the export always moves on', async () => {
    const page = await collectPage(source(3, 3).events, undefined, { bytes: 1, reads: 99 });
    expect(page).toEqual({ body: 'row 0\r\n', next: { id: '0' } });
  });

  it('ends after the reads budget where the last read ended', async () => {
    const page = await collectPage(source(10, 2).events, undefined, { bytes: 1e9, reads: 2 });
    expect(page).toEqual({ body: ['row 0', 'row 1', 'row 2', 'row 3', ''].join('\r\n'), next: { id: '3' } });
  });

  it('has no next page once the source is done', async () => {
    const page = await collectPage(source(3, 2).events, 'h\r\n', { bytes: 1e9, reads: 99 });
    expect(page).toEqual({ body: 'h\r\nrow 0\r\nrow 1\r\nrow 2\r\n', next: undefined });
  });

  it('counts bytes as the response JSON carries them', () => {
    expect(jsonBytes('a,"b"\r\n')).toBe(11);
    expect(jsonBytes('é\r\n')).toBe(6);
  });
});
