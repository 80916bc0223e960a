import type { ConsoleRoute } from './api';
import type { ConsoleDeps } from './routes';

/** The console's queues routes. */
export function queueRoutes(_deps: ConsoleDeps): ConsoleRoute[] {
  return [];
}
