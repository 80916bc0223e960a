import { ACCESS_LOG_FORMAT } from '../../infra/constructs/http-api';

/**
 * The access log line the HTTP API stage writes for one request: the stage's own format
 * (`ACCESS_LOG_FORMAT`) with its `$context` variables
 * (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-logging-variables.html) filled in,
 * `-` for those without a value.
 * The local HTTP API writes no access log, so the values are the request's own where the bench knows them
 * and typical otherwise.
 */
export function accessLogLine(context: Readonly<Record<string, string>>): string {
  return ACCESS_LOG_FORMAT.toString().replace(
    /\$context\.([A-Za-z.]+)/g,
    (_m, name: string) => context[name] ?? '-',
  );
}

/** One click's request, as the stage logs it (a 302 with an empty body). */
export const CLICK_ACCESS_LOG_LINE = accessLogLine({
  requestId: 'JgUEYgqUoAMEVjw=',
  requestTime: '01/Dec/2026:22:30:00 +0000',
  routeKey: 'GET /r/{partnerId}',
  status: '302',
  protocol: 'HTTP/1.1',
  responseLength: '0',
  responseLatency: '31',
  integrationLatency: '30',
});
