import { App } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { DEFAULT_APP_BUS_NAME } from '../../domain/config';
import { LEDGER_EVENT_SOURCE, WEBHOOK_BODY_FIELDS, WEBHOOK_HEADERS } from '../../infra/constructs/webhooks';
import { readSettings } from '../../infra/settings';
import { onlyResource, resourcesOf, synth, type Synth } from './synth';

const URL_ = 'https://hooks.example.com/partner-referrals';
const settingsOf = (context: Record<string, unknown>) => readSettings(new App({ context }).node);

describe('webhooks are off without webhookUrl', () => {
  test('no connection, destination or webhook rule', () => {
    expect(settingsOf({}).webhooks).toBeUndefined();
    const s = synth({}, false);
    for (const type of ['AWS::Events::Connection', 'AWS::Events::ApiDestination'])
      expect(Object.keys(resourcesOf(s.template, type))).toHaveLength(0);
    expect(s.stack.webhooks).toBeUndefined();
  });
});

describe('webhooks with an API key', () => {
  let s: Synth;
  beforeAll(() => {
    // Synthesis runs the cdk-nag packs: an unacknowledged finding fails here.
    s = synth(
      { webhookUrl: URL_, webhookRateLimit: '7', webhookRetryAttempts: '20', webhookMaxEventAge: '3600' },
      false,
    );
  });
  const id = (construct: { node: { defaultChild?: unknown } }) =>
    s.stack.getLogicalId(construct.node.defaultChild as never);

  test('the connection sends the generated key in x-api-key', () => {
    const secret = onlyResource(s.template, 'AWS::SecretsManager::Secret', 'WebhookApiKey');
    s.template.hasResourceProperties('AWS::Events::Connection', {
      AuthorizationType: 'API_KEY',
      AuthParameters: {
        ApiKeyAuthParameters: {
          ApiKeyName: 'x-api-key',
          ApiKeyValue: {
            'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: secret.id }, ':SecretString:::}}']],
          },
        },
      },
    });
  });

  test('the destination POSTs to the URL at the rate limit', () => {
    const connection = onlyResource(s.template, 'AWS::Events::Connection', 'WebhookConnection');
    s.template.hasResourceProperties('AWS::Events::ApiDestination', {
      InvocationEndpoint: URL_,
      HttpMethod: 'POST',
      InvocationRateLimitPerSecond: 7,
      ConnectionArn: { 'Fn::GetAtt': [connection.id, 'Arn'] },
    });
  });

  test('the rule on the app bus sends the signed body and headers, retries, then dead-letters', () => {
    const rule = onlyResource(s.template, 'AWS::Events::Rule', 'WebhookRule');
    const webhooks = s.stack.webhooks;
    if (!webhooks) throw new Error('webhooks not enabled');
    expect(rule.props.EventBusName).toEqual({ Ref: id(s.stack.appBus) });
    expect(rule.props.EventPattern).toEqual({ source: [LEDGER_EVENT_SOURCE] });
    const [target, more] = rule.props.Targets as Record<string, unknown>[];
    expect(more).toBeUndefined();
    const destination = onlyResource(s.template, 'AWS::Events::ApiDestination', 'WebhookDestination');
    expect(target).toMatchObject({
      Arn: { 'Fn::GetAtt': [destination.id, 'Arn'] },
      HttpParameters: { HeaderParameters: WEBHOOK_HEADERS },
      RetryPolicy: { MaximumRetryAttempts: 20, MaximumEventAgeInSeconds: 3600 },
      DeadLetterConfig: { Arn: { 'Fn::GetAtt': [id(webhooks.deadLetters.queue), 'Arn'] } },
    });
    const transformer = target?.InputTransformer as {
      InputPathsMap: Record<string, string>;
      InputTemplate: string;
    };
    // Every body field of the contract, from the detail, and nothing else (no signature in the body).
    expect(Object.values(transformer.InputPathsMap).sort()).toEqual(
      WEBHOOK_BODY_FIELDS.map((f) => `$.detail.${f}`).sort(),
    );
    const placeholders = [...transformer.InputTemplate.matchAll(/"(\w+)":<([\w-]+)>/g)].map(([, k, v]) => [
      k,
      transformer.InputPathsMap[v as string],
    ]);
    expect(placeholders).toEqual(WEBHOOK_BODY_FIELDS.map((f) => [f, `$.detail.${f}`]));
  });

  test('EventBridge may write to the dead-letter queue, and only from this rule', () => {
    const rule = onlyResource(s.template, 'AWS::Events::Rule', 'WebhookRule');
    s.template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'sqs:SendMessage',
            Principal: { Service: 'events.amazonaws.com' },
            Condition: { ArnEquals: { 'aws:SourceArn': { 'Fn::GetAtt': [rule.id, 'Arn'] } } },
          }),
        ]),
      },
    });
  });
});

describe('webhooks with OAuth client credentials', () => {
  test('the connection exchanges the client id and the named secret at the token endpoint', () => {
    const s = synth(
      {
        webhookUrl: URL_,
        webhookAuth: 'oauth',
        webhookOAuthEndpoint: 'https://auth.example.com/oauth/token',
        webhookOAuthClientId: 'client-123',
        webhookOAuthScope: 'webhooks:write',
        webhookSecretName: 'partner-referrals/webhook-client-secret',
      },
      false,
    );
    // The click salt and the signing secret; no API key is generated.
    expect(Object.keys(resourcesOf(s.template, 'AWS::SecretsManager::Secret')).sort()).toEqual([
      expect.stringMatching(/^ClickIpSalt/),
      expect.stringMatching(/^WebhookSigningSecret/),
    ]);
    s.template.hasResourceProperties('AWS::Events::Connection', {
      AuthorizationType: 'OAUTH_CLIENT_CREDENTIALS',
      AuthParameters: {
        OAuthParameters: {
          AuthorizationEndpoint: 'https://auth.example.com/oauth/token',
          HttpMethod: 'POST',
          ClientParameters: {
            ClientID: 'client-123',
            ClientSecret:
              '{{resolve:secretsmanager:partner-referrals/webhook-client-secret:SecretString:::}}',
          },
          OAuthHttpParameters: {
            BodyParameters: Match.arrayWith([
              { Key: 'grant_type', Value: 'client_credentials', IsValueSecret: false },
              { Key: 'scope', Value: 'webhooks:write', IsValueSecret: false },
            ]),
          },
        },
      },
    });
  });
});

describe('webhook settings', () => {
  test('defaults: an API key in x-api-key, EventBridge maximum retries, 20 calls a second', () => {
    expect(settingsOf({ webhookUrl: URL_ }).webhooks).toEqual({
      url: URL_,
      auth: { kind: 'apiKey', headerName: 'x-api-key' },
      rateLimitPerSecond: 20,
      retryAttempts: 185,
      maxEventAgeSeconds: 86_400,
    });
    expect(DEFAULT_APP_BUS_NAME).toBe(settingsOf({ webhookUrl: URL_ }).appBusName);
  });

  test('plain http only on localhost (the local cloud)', () => {
    expect(settingsOf({ webhookUrl: 'http://127.0.0.1:9999/hooks' }).webhooks?.url).toBe(
      'http://127.0.0.1:9999/hooks',
    );
  });

  test.each([
    [{ webhookUrl: 'http://hooks.example.com/' }, /webhookUrl: expected an https:\/\/ URL/],
    [{ webhookUrl: 'not a url' }, /webhookUrl: expected an https:\/\/ URL/],
    [{ webhookUrl: URL_, webhookAuth: 'basic' }, /webhookAuth: expected apiKey or oauth/],
    [{ webhookUrl: URL_, webhookAuth: 'oauth' }, /webhookOAuthEndpoint: required when webhookAuth is oauth/],
    [
      { webhookUrl: URL_, webhookAuth: 'oauth', webhookOAuthEndpoint: 'https://a.example.com/t' },
      /webhookOAuthClientId: required/,
    ],
    [
      {
        webhookUrl: URL_,
        webhookAuth: 'oauth',
        webhookOAuthEndpoint: 'https://a.example.com/t',
        webhookOAuthClientId: 'c',
      },
      /webhookSecretName: required/,
    ],
    [
      { webhookUrl: URL_, webhookRetryAttempts: '186' },
      /webhookRetryAttempts: expected an integer from 0 to 185/,
    ],
    [
      { webhookUrl: URL_, webhookMaxEventAge: '59' },
      /webhookMaxEventAge: expected an integer from 60 to 86400/,
    ],
    [{ webhookUrl: URL_, webhookRateLimit: '0' }, /webhookRateLimit: expected a positive integer/],
  ])('rejects %j', (context, message) => {
    expect(() => settingsOf(context)).toThrow(message);
  });
});
