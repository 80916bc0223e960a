import { stringify } from 'csv-stringify/sync';

/**
 * CSV lines as RFC 4180 has them (https://www.rfc-editor.org/rfc/rfc4180): fields separated by commas,
 * records ended by CRLF, a field with a comma, a double quote or a line break enclosed in double quotes
 * and its quotes doubled. csv-stringify quotes commas and quotes by itself but not a bare CR or LF when
 * the record delimiter is CRLF, hence `quoted_match`.
 */
export function csvLine(cells: readonly string[]): string {
  return stringify([cells], { record_delimiter: 'windows', quoted_match: /[\r\n]/ });
}

/**
 * What a spreadsheet reads as the start of a formula (OWASP, CSV injection:
 * https://owasp.org/www-community/attacks/CSV_Injection): `=`, `+`, `-`, `@`, a tab or a carriage return.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * A text cell a spreadsheet shows as text: one that would start a formula gets a leading `'`, as OWASP
 * advises. Only cells holding text someone else chose (ids, references); amounts and times are ours.
 */
export function textCell(text: string): string {
  return FORMULA_START.test(text) ? `'${text}` : text;
}
