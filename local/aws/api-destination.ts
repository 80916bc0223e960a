import * as http from 'node:http';
import * as https from 'node:https';

/** An API destination as the local bus calls it: endpoint, method, rate limit, the connection's headers. */
export interface ApiDestinationSpec {
  name: string;
  endpoint: string;
  httpMethod: string;
  rateLimitPerSecond?: number;
  /** What the connection adds (the API key header, Basic authorization); it wins over the target's. */
  connectionHeaders: Readonly<Record<string, string>>;
}

export interface ApiDestinationRequest {
  body: string;
  /** The target's HttpParameters headers, already filled from the event. */
  headers: Readonly<Record<string, string>>;
}

export type ApiDestinationOutcome =
  | { ok: true; status: number }
  | {
      ok: false;
      /** EventBridge retries it within the retry policy; otherwise it goes to the DLQ at once. */
      retryable: boolean;
      /** The dead letter's ERROR_CODE and ERROR_MESSAGE. */
      errorCode: string;
      errorMessage: string;
      status?: number;
      /** The answer's Retry-After, in ms (negative: stop retrying). */
      retryAfterMs?: number;
    };

/** EventBridge gives an endpoint 5 seconds (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-api-destinations.html). */
export const API_DESTINATION_TIMEOUT_MS = 5_000;

/**
 * Statuses EventBridge retries for an API destination: 401, 407, 409, 429 and 5xx; any other non-2xx goes
 * to the dead-letter queue without a retry
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-api-destinations.html#eb-api-destination-error-codes).
 */
export const isRetryableStatus = (status: number): boolean =>
  status === 401 || status === 407 || status === 409 || status === 429 || status >= 500;

/** The headers EventBridge adds to every request (same page, "Headers included in requests"). */
const EVENTBRIDGE_HEADERS: Readonly<Record<string, string>> = {
  'user-agent': 'Amazon/EventBridge/ApiDestinations',
  'content-type': 'application/json; charset=utf-8',
  range: 'bytes=0-1048575',
  'accept-encoding': 'gzip,deflate',
  connection: 'close',
};

const PREFIX = 'Unable to invoke ApiDestination endpoint: ';

/**
 * Calls the template's API destinations over HTTP(S), each at most at its invocation rate limit, and
 * classifies the answer as EventBridge does. The error codes and messages of the dead letters follow
 * what EventBridge writes for an unreachable endpoint (`SDK_CLIENT_ERROR`) and a timeout (`UNKNOWN`); for
 * a refused status the local message names the status.
 */
export class ApiDestinationClient {
  private readonly destinations: ReadonlyMap<string, ApiDestinationSpec>;
  /** When each destination may be called next (its rate limit). */
  private readonly nextSlot = new Map<string, number>();

  constructor(
    destinations: readonly ApiDestinationSpec[],
    private readonly timeoutMs = API_DESTINATION_TIMEOUT_MS,
  ) {
    this.destinations = new Map(destinations.map((d) => [d.name, d]));
  }

  async call(name: string, request: ApiDestinationRequest): Promise<ApiDestinationOutcome> {
    const destination = this.destinations.get(name);
    if (!destination) throw new Error(`No API destination ${name} in this template`);
    await this.pace(destination);
    const headers: Record<string, string> = {};
    for (const source of [request.headers, destination.connectionHeaders, EVENTBRIDGE_HEADERS])
      for (const [k, v] of Object.entries(source)) headers[k.toLowerCase()] = v;
    headers['content-length'] = String(Buffer.byteLength(request.body));
    return new Promise<ApiDestinationOutcome>((resolve) => {
      const url = new URL(destination.endpoint);
      const send = url.protocol === 'https:' ? https.request : http.request;
      const req = send(url, { method: destination.httpMethod, headers, timeout: this.timeoutMs }, (res) => {
        res.resume();
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) return resolve({ ok: true, status });
        const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
        resolve({
          ok: false,
          retryable: isRetryableStatus(status),
          errorCode: 'SDK_CLIENT_ERROR',
          errorMessage: `${PREFIX}The API destination endpoint answered with HTTP status ${status}.`,
          status,
          ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
        });
      });
      req.on('timeout', () => {
        req.destroy();
        resolve({
          ok: false,
          retryable: true,
          errorCode: 'UNKNOWN',
          errorMessage: `${PREFIX}Timeout calling endpoint for API Destination: no answer within ${this.timeoutMs} ms.`,
        });
      });
      req.on('error', () =>
        resolve({
          ok: false,
          retryable: true,
          errorCode: 'SDK_CLIENT_ERROR',
          errorMessage: `${PREFIX}API destination endpoint cannot be reached.`,
        }),
      );
      req.end(request.body);
    });
  }

  private async pace(destination: ApiDestinationSpec): Promise<void> {
    const rate = destination.rateLimitPerSecond;
    if (!rate) return;
    const now = Date.now();
    const slot = Math.max(now, this.nextSlot.get(destination.name) ?? 0);
    this.nextSlot.set(destination.name, slot + 1000 / rate);
    if (slot > now) await new Promise((resolve) => setTimeout(resolve, slot - now));
  }
}

/** `Retry-After: <seconds>` or an HTTP date → ms from now; absent or unreadable → undefined. */
export function parseRetryAfter(value: string | string[] | undefined, now = Date.now()): number | undefined {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text.trim() === '') return undefined;
  if (/^\s*-?\d+\s*$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : date - now;
}
