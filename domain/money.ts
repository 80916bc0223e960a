/**
 * Money's display form, the one formatter for the API edge and the partner portal (browser code imports this
 * module, so it imports nothing and uses no Node globals). Amounts are integer minor units everywhere else.
 */

/**
 * Stripe's zero-decimal currencies: their amounts are already whole units
 * (https://docs.stripe.com/currencies#zero-decimal). Every other supported currency has two decimals
 * here; the three-decimal ones (bhd, jod, kwd, omr, tnd) are listed with 3.
 */
const ZERO_DECIMAL = [
  'bif',
  'clp',
  'djf',
  'gnf',
  'jpy',
  'kmf',
  'krw',
  'mga',
  'pyg',
  'rwf',
  'ugx',
  'vnd',
  'vuv',
  'xaf',
  'xof',
  'xpf',
];
const THREE_DECIMAL = ['bhd', 'jod', 'kwd', 'omr', 'tnd'];
/** Decimal places of a currency's minor unit. */
export const currencyExponent = (currency: string): number =>
  ZERO_DECIMAL.includes(currency.toLowerCase()) ? 0 : THREE_DECIMAL.includes(currency.toLowerCase()) ? 3 : 2;

const CURRENCY_SYMBOLS: Readonly<Record<string, string>> = { usd: '$', eur: '€', gbp: '£', jpy: '¥' };

/**
 * An integer amount in the currency's minor unit → its display form, with as many decimals as the currency
 * has (`currencyExponent`): `$1,234.56`, `¥1,235`, `1.234 KWD`, `-$0.05` for negatives. Formatting happens
 * only at the API edge; amounts stay integers everywhere else.
 */
export function formatMinorUnits(amount: number, currency: string): string {
  const sign = amount < 0 ? '-' : '';
  const abs = Math.abs(amount);
  const exponent = currencyExponent(currency);
  const unit = 10 ** exponent;
  const whole = Math.floor(abs / unit)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const number = exponent === 0 ? whole : `${whole}.${String(abs % unit).padStart(exponent, '0')}`;
  const symbol = CURRENCY_SYMBOLS[currency.toLowerCase()];
  return symbol ? `${sign}${symbol}${number}` : `${sign}${number} ${currency.toUpperCase()}`;
}
