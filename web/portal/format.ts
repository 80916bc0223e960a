export { formatMinorUnits as money } from '../../domain/money';

/** An ISO timestamp as the browser's local date and time, or `—`. */
export const dateTime = (iso: string | null): string =>
  iso ? new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' }) : '—';

/** An ISO timestamp as the browser's local date, or `—`. */
export const date = (iso: string | null): string =>
  iso ? new Date(iso).toLocaleDateString(undefined, { dateStyle: 'medium' }) : '—';

export const count = (n: number): string => n.toLocaleString('en-US');

/** `on_hold` → `on hold`. */
export const label = (code: string): string => code.replace(/_/g, ' ');
