import { currencyExponent } from './config';
import { csvLine, textCell } from './csv';
import { decodePageCursor, encodePageCursor } from './dashboard';
import { InvalidCursorError, InvalidRequestError, MalformedEventError } from './errors';
import type { TimeRange } from './export-range';
import type { CommissionItem } from './ledger';
import type { Payout } from './payouts';
import type { Referral } from './referral';

/**
 * The CSV exports finance and partners download (`GET /partners/{partnerId}/exports/{exportName}`, the admins'
 * `GET /admin/exports/{exportName}`): their columns, how a row becomes a CSV line, the paging cursor and the
 * page a response carries. Pure; `lambdas/export-api.ts` reads the rows from DynamoDB page by page.
 */

export const EXPORT_NAMES = ['commissions.csv', 'payouts.csv', 'referrals.csv'] as const;
export type ExportName = (typeof EXPORT_NAMES)[number];
export type ExportKind = 'commissions' | 'payouts' | 'referrals';

export const exportKindOf = (name: ExportName): ExportKind => name.replace(/\.csv$/, '') as ExportKind;

/** The `exportName` path parameter, else a 400 naming it. */
export function exportNameOf(text: string | undefined): ExportName {
  if (!(EXPORT_NAMES as readonly (string | undefined)[]).includes(text))
    throw new InvalidRequestError(
      'exportName',
      `expected one of ${EXPORT_NAMES.join(', ')}, got ${JSON.stringify(text ?? '')}`,
    );
  return text as ExportName;
}

// ---- Cells ------------------------------------------------------------------------------------------------

/**
 * An integer amount in the currency's minor unit → a plain decimal in its units, as many decimals as the
 * currency has (`currencyExponent`), no grouping, a leading `-` for negatives: `1234.56` (usd), `1235`
 * (jpy), `1.234` (kwd), `-0.05`. What a spreadsheet or an accounting import reads as a number.
 */
export function decimalAmount(minor: number, currency: string): string {
  if (!Number.isSafeInteger(minor)) throw new RangeError(`${minor} is not an integer amount`);
  const exponent = currencyExponent(currency);
  const digits = String(Math.abs(minor)).padStart(exponent + 1, '0');
  const whole = digits.slice(0, digits.length - exponent);
  const fraction = digits.slice(digits.length - exponent);
  return `${minor < 0 ? '-' : ''}${whole}${exponent === 0 ? '' : `.${fraction}`}`;
}

/** A stored time → ISO 8601 UTC with milliseconds (`2026-01-31T12:00:00.000Z`); absent → empty. */
function timeCell(field: string, value: string | undefined): string {
  if (value === undefined) return '';
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new MalformedEventError(field, `not a time: ${JSON.stringify(value)}`);
  return new Date(ms).toISOString();
}

const codeCell = (currency: string): string => currency.toUpperCase();
const optionalText = (value: string | undefined): string => (value === undefined ? '' : textCell(value));

/** One column: its header and its cell of a row. */
interface Column<R> {
  header: string;
  cell: (row: R) => string;
}

const COMMISSION_COLUMNS: readonly Column<CommissionItem>[] = [
  { header: 'partner_id', cell: (c) => textCell(c.partnerId) },
  { header: 'commission_id', cell: (c) => textCell(c.commissionId) },
  { header: 'earned_at', cell: (c) => timeCell('earnedAt', c.earnedAt) },
  { header: 'type', cell: (c) => c.type },
  { header: 'customer_reference', cell: (c) => textCell(c.referredUserId) },
  { header: 'invoice_id', cell: (c) => textCell(c.invoiceId) },
  { header: 'sale_amount', cell: (c) => decimalAmount(c.baseAmountCents, c.currency) },
  { header: 'earnings', cell: (c) => decimalAmount(c.netCents, c.currency) },
  { header: 'currency', cell: (c) => codeCell(c.currency) },
  { header: 'status', cell: (c) => c.status },
  { header: 'payout_id', cell: (c) => optionalText(c.payoutId) },
  { header: 'paid_at', cell: (c) => timeCell('paidAt', c.paidAt) },
];

const PAYOUT_COLUMNS: readonly Column<Payout>[] = [
  { header: 'partner_id', cell: (p) => textCell(p.partnerId) },
  { header: 'payout_id', cell: (p) => textCell(p.payoutId) },
  { header: 'period_start', cell: (p) => timeCell('periodStart', p.periodStart) },
  { header: 'period_end', cell: (p) => timeCell('periodEnd', p.periodEnd) },
  { header: 'amount', cell: (p) => decimalAmount(p.amountCents, p.currency) },
  { header: 'currency', cell: (p) => codeCell(p.currency) },
  { header: 'status', cell: (p) => p.status },
  { header: 'reference', cell: (p) => optionalText(p.reference) },
  { header: 'created_at', cell: (p) => timeCell('createdAt', p.createdAt) },
  { header: 'paid_at', cell: (p) => timeCell('paidAt', p.paidAt) },
];

const REFERRAL_COLUMNS: readonly Column<Referral>[] = [
  { header: 'partner_id', cell: (r) => textCell(r.partnerId) },
  { header: 'referral_id', cell: (r) => textCell(r.referralId) },
  { header: 'status', cell: (r) => r.status },
  { header: 'plan', cell: (r) => r.planType },
  { header: 'billing_cycle', cell: (r) => r.billingCycle ?? '' },
  { header: 'signed_up_at', cell: (r) => timeCell('signedUpAt', r.signedUpAt) },
  { header: 'verified_at', cell: (r) => timeCell('verifiedAt', r.verifiedAt) },
  { header: 'paid_at', cell: (r) => timeCell('paidAt', r.paidAt) },
  { header: 'canceled_at', cell: (r) => timeCell('canceledAt', r.canceledAt) },
];

export interface ExportRows {
  commissions: CommissionItem;
  payouts: Payout;
  referrals: Referral;
}

const COLUMNS: { [K in ExportKind]: readonly Column<ExportRows[K]>[] } = {
  commissions: COMMISSION_COLUMNS,
  payouts: PAYOUT_COLUMNS,
  referrals: REFERRAL_COLUMNS,
};

/** The export's header line (its column names). */
export const headerLine = (kind: ExportKind): string => csvLine(COLUMNS[kind].map((c) => c.header));

/** A row's CSV line. */
export const rowLine = <K extends ExportKind>(kind: K, row: ExportRows[K]): string =>
  csvLine((COLUMNS[kind] as readonly Column<ExportRows[K]>[]).map((c) => c.cell(row)));

/** The column names, in order (the README documents them). */
export const columnsOf = (kind: ExportKind): string[] => COLUMNS[kind].map((c) => c.header);

/** The attribute each export's time range applies to. */
export const RANGE_ATTRIBUTE: Readonly<Record<ExportKind, string>> = {
  commissions: 'earnedAt',
  payouts: 'createdAt',
  referrals: 'signedUpAt',
};

// ---- Cursor -----------------------------------------------------------------------------------------------

/** What a cursor is bound to: the export, whose rows (a partner's, or `undefined` for all) and the range. */
export interface ExportScope {
  kind: ExportKind;
  partnerId: string | undefined;
  range: TimeRange;
}

/** A DynamoDB key to resume after (every attribute a string, as all our key attributes are). */
export type ResumeKey = Record<string, string>;

const SCOPE_NAMES = ['export', 'partner', 'from', 'to'] as const;

const scopeFields = ({
  kind,
  partnerId,
  range,
}: ExportScope): Record<(typeof SCOPE_NAMES)[number], string> => ({
  export: kind,
  partner: partnerId ?? '*',
  from: range.from ?? '',
  to: range.to ?? '',
});

/**
 * The next page's cursor: base64url JSON of the key to resume after (the key attributes the export reads by,
 * `keyNames`) beside the export, partner and range it belongs to, as `encodePageCursor` writes page cursors.
 */
export function encodeExportCursor(scope: ExportScope, keyNames: readonly string[], key: ResumeKey): string {
  const names = [...SCOPE_NAMES, ...keyNames];
  return encodePageCursor({ ...scopeFields(scope), ...key }, names);
}

/**
 * The key a cursor resumes after, when it is a cursor of exactly this export, partner and range (the
 * request's own parameters): anything else is `InvalidCursor`.
 */
export function decodeExportCursor(
  cursor: string,
  scope: ExportScope,
  keyNames: readonly string[],
): ResumeKey {
  const decoded = decodePageCursor(cursor, [...SCOPE_NAMES, ...keyNames], `${scope.kind} export`);
  const expected = scopeFields(scope);
  if (SCOPE_NAMES.some((name) => decoded[name] !== expected[name]))
    throw new InvalidCursorError('cursor: belongs to another export, partner or range');
  return Object.fromEntries(keyNames.map((name) => [name, decoded[name] as string]));
}

// ---- Pages ------------------------------------------------------------------------------------------------

/**
 * What a row source yields: each row with the key to resume after it, and after each DynamoDB read the
 * read's `LastEvaluatedKey` (absent after the last).
 */
export type SourceEvent = { row: string; key: ResumeKey } | { readEnd: ResumeKey | undefined };

export interface PageBudget {
  /** The body stops at a row boundary before this many bytes, counted as the Lambda response's JSON carries them. */
  bytes: number;
  /** The body stops after this many DynamoDB reads (a Scan whose filter keeps few rows must still answer in time). */
  reads: number;
}

/**
 * Lambda's synchronous response payload is at most 6 MB
 * (https://docs.aws.amazon.com/lambda/latest/dg/API_Invoke.html), the JSON of `{ statusCode, headers, body }`.
 * 5 MiB of body leaves a megabyte for the rest. 20 reads of at most 1 MB each
 * (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.Pagination.html) take about two
 * seconds, well inside the function's and the integration's 10 s.
 */
export const DEFAULT_PAGE_BUDGET: PageBudget = { bytes: 5 * 1024 * 1024, reads: 20 };

/** A line's size inside the response JSON: its UTF-8 bytes with `"` and CR/LF escaped as JSON escapes them. */
export const jsonBytes = (line: string): number => Buffer.byteLength(JSON.stringify(line), 'utf8') - 2;

export interface Page {
  body: string;
  /** The key to resume after, when rows may remain. */
  next: ResumeKey | undefined;
}

/**
 * One response's body from a row source: `header` (the first page's), then rows while they fit the budget.
 * A row that would cross it is left for the next page, whose cursor resumes after the last row written;
 * a page always takes one row, so even a row larger than the budget moves the export on. Past the reads
 * budget the page ends where the last read ended. The source is closed as soon as the page is full, so
 * nothing beyond the current DynamoDB read is held.
 */
export async function collectPage(
  source: AsyncIterable<SourceEvent>,
  header: string | undefined,
  budget: PageBudget,
): Promise<Page> {
  const lines: string[] = header === undefined ? [] : [header];
  let bytes = header === undefined ? 0 : jsonBytes(header);
  let rows = 0;
  let reads = 0;
  let lastKey: ResumeKey | undefined;
  const iterator = source[Symbol.asyncIterator]();
  try {
    for (;;) {
      const step = await iterator.next();
      if (step.done) return { body: lines.join(''), next: undefined };
      const event = step.value;
      if ('readEnd' in event) {
        reads += 1;
        if (event.readEnd === undefined) return { body: lines.join(''), next: undefined };
        if (reads >= budget.reads) return { body: lines.join(''), next: event.readEnd };
        continue;
      }
      const size = jsonBytes(event.row);
      if (rows > 0 && bytes + size > budget.bytes) return { body: lines.join(''), next: lastKey };
      lines.push(event.row);
      bytes += size;
      rows += 1;
      lastKey = event.key;
    }
  } finally {
    await iterator.return?.();
  }
}
