import { randomUUID } from 'node:crypto';
import type { SFNClient } from '@aws-sdk/client-sfn';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { partnerIdSchema } from '../domain/app-events';
import { loadRuntimeConfig, type RuntimeConfig } from '../domain/config';
import { clickWorkflowInput, landingLocation } from '../domain/click';
import { InvalidRequestError, UnknownPartnerError, WorkflowFailedError } from '../domain/errors';
import { parseOrThrow } from '../domain/validation';
import { createDocumentClient } from './commons/dynamodb';
import { annotate, lambdaHandler } from './commons/handler';
import { errorResponse, type HttpResponse } from './commons/http';
import { metrics, MetricUnit, publishMetrics } from './commons/metrics';
import { partnerTimeZones } from './commons/partner-time-zones';
import { createSfnClient } from './commons/sfn';
import { runWorkflowSync, stateMachineArnOf } from './commons/start-workflow';

export interface ClickApiDeps {
  config: RuntimeConfig;
  sfn: SFNClient;
  /** Reads the partner's time zone from the stats row (once per partner per container). */
  db: DynamoDBDocumentClient;
  now?: () => Date;
  newClickId?: () => string;
}

const invalid = (field: string, problem: string): InvalidRequestError =>
  new InvalidRequestError(field, problem);

/**
 * `GET /r/{partnerId}?…` (HTTP API, payload v2): counts the click through the Express click workflow, in
 * its total and on the partner's local day (the zone read from its stats row, cached), and
 * redirects (302) to `LANDING_URL` with the link's own query string and `ref=<partnerId>&click=<clickId>`
 * (`landingLocation`). 400 for a malformed partner id, 404 `UnknownPartner`, 502 when the workflow fails
 * otherwise.
 */
export function createClickApiHandler({
  config,
  sfn,
  db,
  now = () => new Date(),
  newClickId = randomUUID,
}: ClickApiDeps) {
  const timeZoneOf = partnerTimeZones(db, config.statsTable);
  return lambdaHandler(async (event: APIGatewayProxyEventV2): Promise<HttpResponse> => {
    try {
      const partnerId = parseOrThrow(partnerIdSchema, event.pathParameters?.partnerId, invalid, 'partnerId');
      annotate({ partnerId, workflow: 'click' });
      const timeZone = await timeZoneOf(partnerId);
      if (timeZone === undefined) throw new UnknownPartnerError(partnerId);
      const input = clickWorkflowInput({
        partnerId,
        ip: event.requestContext.http.sourceIp,
        userAgent: event.headers['user-agent'] ?? event.requestContext.http.userAgent,
        now: now(),
        timeZone,
        clickId: newClickId(),
        salt: config.clickIpSalt,
      });
      const result = await runWorkflowSync(sfn, {
        stateMachineArn: stateMachineArnOf(config, 'click'),
        input,
      });
      if (result.status !== 'SUCCEEDED') {
        if (result.error === 'UnknownPartner') throw new UnknownPartnerError(partnerId);
        throw new WorkflowFailedError('click', result.error, result.cause);
      }
      metrics.addMetric('ClicksRecorded', MetricUnit.Count, 1);
      // The raw query string, not queryStringParameters: API Gateway joins repeated parameters with commas there.
      const location = landingLocation({
        landingUrl: config.landingUrl,
        trackingQuery: event.rawQueryString,
        partnerId,
        clickId: input.clickId,
      });
      return {
        statusCode: 302,
        headers: { location, 'cache-control': 'no-store' },
        body: '',
      };
    } catch (error) {
      return errorResponse(error);
    } finally {
      publishMetrics();
    }
  });
}

export const handler = createClickApiHandler({
  config: loadRuntimeConfig(process.env),
  sfn: createSfnClient(),
  db: createDocumentClient(),
});
