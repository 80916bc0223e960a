import { CfnOutput, Duration, SecretValue, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as secrets from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { LEDGER_EVENT_SOURCE } from '../../domain/config';
import type { WebhookAuth, WebhookSettings } from '../settings';
import { ParkingQueue } from './queues';

/** The source of the commission and payout events on the app bus (the outbound event contract). */
export { LEDGER_EVENT_SOURCE };

/**
 * The delivery headers, JSON paths into the event: EventBridge fills any HttpParameters value except the
 * header names from the event at delivery (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-targets.html#targets-specific-parms).
 */
export const WEBHOOK_HEADERS = {
  'webhook-id': '$.detail.id',
  'webhook-timestamp': '$.detail.signature.timestamp',
  'webhook-signature': '$.detail.signature.v1',
} as const;

/** The fields of the signed body, in the contract's order; each is `$.detail.<field>`. */
export const WEBHOOK_BODY_FIELDS = ['id', 'type', 'version', 'occurredAt', 'partnerId', 'data'] as const;

export interface Webhooks {
  connection: events.Connection;
  destination: events.ApiDestination;
  rule: events.Rule;
  deadLetters: ParkingQueue;
  /** The generated API key, when the settings name no secret of their own. */
  apiKeySecret?: secrets.Secret;
}

/**
 * Every ledger event POSTed to the integrator's endpoint: an EventBridge connection (API key or OAuth
 * client credentials), an API destination with an invocation rate limit, and a rule on the app bus whose
 * target builds the signed body (the event's detail without its signature) and the `webhook-*` headers.
 * EventBridge retries 401, 407, 409, 429, 5xx and timeouts within the retry policy; what it gives up on
 * lands in the `WebhookDeliveryFailures` parking queue with the reason in its message attributes.
 * The constructs sit at the top of the stack (`WebhookRule`, …): the local stack names resources by
 * their top construct id.
 */
export function addWebhooks(
  scope: Construct,
  { appBus, settings }: { appBus: events.IEventBus; settings: WebhookSettings },
): Webhooks {
  const { authorization, generated } = authorizationOf(scope, settings.auth);
  const connection = new events.Connection(scope, 'WebhookConnection', {
    description: 'Authorization of the webhook deliveries',
    authorization,
  });
  const destination = new events.ApiDestination(scope, 'WebhookDestination', {
    description: 'The integrator endpoint that receives the ledger events',
    connection,
    endpoint: settings.url,
    httpMethod: events.HttpMethod.POST,
    rateLimitPerSecond: settings.rateLimitPerSecond,
  });
  const deadLetters = new ParkingQueue(scope, 'WebhookDeliveryFailures', {
    description: 'Ledger events EventBridge could not deliver to the webhook endpoint',
  });
  const body = Object.fromEntries(
    WEBHOOK_BODY_FIELDS.map((field) => [field, events.EventField.fromPath(`$.detail.${field}`)]),
  );
  const rule = new events.Rule(scope, 'WebhookRule', {
    eventBus: appBus,
    description: 'Commission and payout events to the webhook endpoint',
    eventPattern: { source: [LEDGER_EVENT_SOURCE] },
    targets: [
      new targets.ApiDestination(destination, {
        event: events.RuleTargetInput.fromObject(body),
        headerParameters: { ...WEBHOOK_HEADERS },
        deadLetterQueue: deadLetters.queue,
        retryAttempts: settings.retryAttempts,
        maxEventAge: Duration.seconds(settings.maxEventAgeSeconds),
      }),
    ],
  });
  new CfnOutput(scope, 'WebhookDeliveryFailuresUrl', {
    value: deadLetters.queue.queueUrl,
    description: 'Ledger events the webhook endpoint did not accept, with the reason',
  });
  if (generated) {
    new CfnOutput(scope, 'WebhookApiKeySecretArn', {
      value: generated.secretArn,
      description: 'The API key every webhook delivery carries (give it to the integrator)',
    });
  }
  return { connection, destination, rule, deadLetters, ...(generated ? { apiKeySecret: generated } : {}) };
}

function authorizationOf(
  scope: Construct,
  auth: WebhookAuth,
): { authorization: events.Authorization; generated?: secrets.Secret } {
  if (auth.kind === 'oauth') {
    return {
      authorization: events.Authorization.oauth({
        authorizationEndpoint: auth.authorizationEndpoint,
        httpMethod: events.HttpMethod.POST,
        clientId: auth.clientId,
        clientSecret: SecretValue.secretsManager(auth.secretName),
        bodyParameters: {
          grant_type: events.HttpParameter.fromString('client_credentials'),
          ...(auth.scope !== undefined ? { scope: events.HttpParameter.fromString(auth.scope) } : {}),
        },
      }),
    };
  }
  if (auth.secretName !== undefined) {
    return {
      authorization: events.Authorization.apiKey(
        auth.headerName,
        SecretValue.secretsManager(auth.secretName),
      ),
    };
  }
  const generated = new secrets.Secret(scope, 'WebhookApiKey', {
    description: 'API key of the webhook deliveries (the integrator checks it)',
    generateSecretString: { passwordLength: 40, excludePunctuation: true },
  });
  Validations.of(generated).acknowledge({
    id: 'AwsSolutions-SMG4',
    reason:
      'The integrator configures their endpoint with this key; rotating it means coordinating with them, ' +
      'so it is replaced by hand (update the secret, then the connection) rather than by a rotation Lambda.',
  });
  return { authorization: events.Authorization.apiKey(auth.headerName, generated.secretValue), generated };
}
