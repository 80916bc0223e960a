import type { ConsoleRoute } from './api';
import type { ConsoleDeps } from './routes';

/** The console's executions routes. */
export function executionRoutes(_deps: ConsoleDeps): ConsoleRoute[] {
  return [];
}
