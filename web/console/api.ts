/** The console's JSON API (`local/console/api.ts`), on the same origin as the console. */
export class ConsoleApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export async function consoleApi<T>(path: string, init?: { method?: 'POST'; body?: unknown }): Promise<T> {
  const res = await fetch(`/console/api/${path}`, {
    method: init?.method ?? 'GET',
    headers: init?.body === undefined ? {} : { 'content-type': 'application/json' },
    ...(init?.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const value = (await res.json()) as unknown;
  if (!res.ok) {
    const { error, message } = value as { error?: string; message?: string };
    throw new ConsoleApiError(res.status, error ?? 'Error', message ?? res.statusText);
  }
  return value as T;
}
