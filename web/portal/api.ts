import type { Session } from './session';

/** An API answer that is not 2xx, with the API's own message (`{ error, message }`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface Api {
  get<T>(path: string, query?: Record<string, string | undefined>): Promise<T>;
  /** Fetches every page of a CSV export (following `Link: <…>; rel="next"`) into one Blob. */
  csv(exportName: string): Promise<Blob>;
}

const NEXT_LINK = /<([^>]+)>;\s*rel="next"/;

export function apiClient(apiUrl: string, session: Session, onUnauthorized: () => void): Api {
  const request = async (url: URL): Promise<Response> => {
    const res = await fetch(url, { headers: { authorization: `Bearer ${session.token}` } });
    if (res.ok) return res;
    if (res.status === 401) onUnauthorized();
    const body = (await res.json().catch(() => ({}))) as { message?: string };
    throw new ApiError(res.status, body.message ?? `${res.status} ${res.statusText}`);
  };
  const urlOf = (path: string, query: Record<string, string | undefined> = {}): URL => {
    const url = new URL(`${apiUrl}${path}`);
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') url.searchParams.set(k, v);
    return url;
  };
  return {
    async get<T>(path: string, query?: Record<string, string | undefined>): Promise<T> {
      return (await (await request(urlOf(path, query))).json()) as T;
    },
    async csv(exportName: string): Promise<Blob> {
      const parts: string[] = [];
      let url: URL | undefined = urlOf(
        `/partners/${encodeURIComponent(session.partnerId)}/exports/${exportName}`,
      );
      while (url) {
        const res = await request(url);
        parts.push(await res.text());
        const next = NEXT_LINK.exec(res.headers.get('link') ?? '')?.[1];
        url = next === undefined ? undefined : new URL(next, url);
      }
      return new Blob(parts, { type: 'text/csv' });
    },
  };
}

/** Saves a Blob as a file (the bearer token rules out a plain link). */
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = fileName;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
