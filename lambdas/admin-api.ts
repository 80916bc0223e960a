import type { SFNClient } from '@aws-sdk/client-sfn';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import * as z from 'zod/mini';
import { partnerIdSchema } from '../domain/app-events';
import { loadRuntimeConfig, type RuntimeConfig } from '../domain/config';
import { InvalidRequestError, PartnerAlreadyRegisteredError, WorkflowFailedError } from '../domain/errors';
import { parseOrThrow } from '../domain/validation';
import { annotate, lambdaHandler } from './commons/handler';
import { errorResponse, json, type HttpResponse } from './commons/http';
import { logger } from './commons/logger';
import { createSfnClient } from './commons/sfn';
import { runWorkflowSync, stateMachineArnOf } from './commons/start-workflow';

const invalid = (field: string, problem: string): InvalidRequestError =>
  new InvalidRequestError(field, problem);

const DISPLAY_NAME_RULE = 'expected 1-200 characters';
const registrationBodySchema = z.object(
  {
    partnerId: partnerIdSchema,
    displayName: z.optional(
      z
        .string({ error: DISPLAY_NAME_RULE })
        .check(
          z.trim(),
          z.minLength(1, { error: DISPLAY_NAME_RULE }),
          z.maxLength(200, { error: DISPLAY_NAME_RULE }),
        ),
    ),
  },
  { error: 'expected a JSON object' },
);

/** The registration workflow's input. */
export interface RegistrationInput {
  partnerId: string;
  displayName: string;
  registeredAt: string;
}

/**
 * `POST /admin/partners` `{ partnerId, displayName? }`: registers a partner through the Express registration
 * workflow, which creates its zeroed stats row. The route's admin scope is enforced by API Gateway's JWT
 * authorizer, before this runs. 201 with the registration, 400 naming the field, 409
 * `PartnerAlreadyRegistered`, 502 on other workflow failures.
 */
export function createAdminApiHandler({
  config,
  sfn,
  now = () => new Date(),
}: {
  config: RuntimeConfig;
  sfn: SFNClient;
  now?: () => Date;
}) {
  return lambdaHandler(async (event: APIGatewayProxyEventV2WithJWTAuthorizer): Promise<HttpResponse> => {
    try {
      const body = parseOrThrow(registrationBodySchema, parseBody(event), invalid, 'body');
      annotate({ partnerId: body.partnerId, workflow: 'registration' });
      const input: RegistrationInput = {
        partnerId: body.partnerId,
        displayName: body.displayName ?? body.partnerId,
        registeredAt: now().toISOString(),
      };
      const result = await runWorkflowSync(sfn, {
        stateMachineArn: stateMachineArnOf(config, 'registration'),
        input,
      });
      if (result.status !== 'SUCCEEDED') {
        if (result.error === 'PartnerAlreadyRegistered')
          throw new PartnerAlreadyRegisteredError(body.partnerId);
        throw new WorkflowFailedError('registration', result.error, result.cause);
      }
      logger.info('Partner registered', { partnerId: input.partnerId });
      return json(201, input, { location: `/partners/${input.partnerId}/dashboard` });
    } catch (error) {
      return errorResponse(error);
    }
  });
}

function parseBody(event: APIGatewayProxyEventV2WithJWTAuthorizer): unknown {
  if (!event.body) throw invalid('body', 'expected a JSON object');
  const text = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw invalid('body', 'not valid JSON');
  }
}

export const handler = createAdminApiHandler({ config: loadRuntimeConfig(), sfn: createSfnClient() });
