import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { HttpApiEvent } from '../../local/http-api/event';
import type { HttpApiRoute } from '../../local/http-api/server';

export const AUDIENCE = 'partner-referrals';
export const ADMIN_SCOPE = 'partner-referrals/admin';

export const tempDir = (prefix: string): string => mkdtempSync(path.join(os.tmpdir(), prefix));

/** A route whose handler answers with the event it received (and records it). */
export function echoRoute(
  routeKey: string,
  auth: { type?: 'NONE' | 'JWT'; scopes?: string[] } = {},
): HttpApiRoute & { events: HttpApiEvent[] } {
  const events: HttpApiEvent[] = [];
  return {
    routeKey,
    authorizationType: auth.type ?? 'NONE',
    authorizationScopes: auth.scopes ?? [],
    events,
    handler: async (event) => {
      events.push(event);
      return {
        statusCode: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(event),
      };
    },
  };
}

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  json: () => Record<string, unknown>;
}

/** One request through real HTTP; redirects are not followed. */
export async function call(
  baseUrl: string,
  target: string,
  init: RequestInit & { token?: string } = {},
): Promise<Reply> {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('authorization', `Bearer ${init.token}`);
  const res = await fetch(`${baseUrl}${target}`, { ...init, headers, redirect: 'manual' });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    text,
    json: () => JSON.parse(text) as Record<string, unknown>,
  };
}

/** The event an echo route answered with. */
export const echoed = (reply: Reply): HttpApiEvent => JSON.parse(reply.text) as HttpApiEvent;
