import type { ConsoleRoute } from './api';
import type { ConsoleDeps } from './routes';

/** The console's partners routes. */
export function partnerRoutes(_deps: ConsoleDeps): ConsoleRoute[] {
  return [];
}
