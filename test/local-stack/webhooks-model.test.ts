import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { WEBHOOK_HEADERS } from '../../infra/constructs/webhooks';
import { LOCAL_SECRET_VALUES } from '../../local/stack/local-names';
import { loadLocalStackModel } from '../../local/stack/model';
import { synthesizeLocalTemplate, type LocalTemplate } from '../../local/stack/synthesize';
import type { CfnTemplate } from '../../local/stack/template';

const URL_ = 'http://127.0.0.1:9123/hooks';
let outdir: string;
let synth: LocalTemplate;

beforeAll(() => {
  outdir = mkdtempSync(path.join(tmpdir(), 'local-stack-webhooks-'));
  synth = synthesizeLocalTemplate({ outdir, context: { webhookUrl: URL_ } });
});
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('the webhook resources in the local model', () => {
  test('the API destination with its connection key, from the secret values', () => {
    const model = loadLocalStackModel(synth.template, synth.assemblyDir, {
      secretValues: { ...LOCAL_SECRET_VALUES, WebhookApiKey: 'k-123' },
    });
    expect(model.apiDestinations).toEqual([
      expect.objectContaining({
        name: 'WebhookDestination',
        endpoint: URL_,
        httpMethod: 'POST',
        rateLimitPerSecond: 20,
        connectionHeaders: { 'x-api-key': 'k-123' },
      }),
    ]);
  });

  test('the rule on the app bus targets it with the transformer, headers, retry policy and DLQ', () => {
    const model = loadLocalStackModel(synth.template, synth.assemblyDir);
    const rule = model.rules.find((r) => r.name === 'WebhookRule');
    expect(rule).toMatchObject({
      busName: 'partner-referrals',
      eventPattern: { source: ['partner-referrals.ledger'] },
    });
    expect(rule?.targets).toEqual([
      expect.objectContaining({
        kind: 'apiDestination',
        name: 'WebhookDestination',
        deadLetterQueue: 'WebhookDeliveryFailures',
        headerParameters: WEBHOOK_HEADERS,
        retryPolicy: { maximumRetryAttempts: 185, maximumEventAgeInSeconds: 86_400 },
        inputTransformer: expect.objectContaining({
          inputTemplate: expect.stringContaining('"data":<detail-data>'),
        }),
      }),
    ]);
    expect(model.queues.map((q) => q.name)).toContain('WebhookDeliveryFailures');
  });

  test('an OAuth connection is refused by name: the local bus does not run it', () => {
    const template = JSON.parse(JSON.stringify(synth.template)) as CfnTemplate;
    const [id, connection] =
      Object.entries(template.Resources).find(([, r]) => r.Type === 'AWS::Events::Connection') ?? [];
    if (!id || !connection?.Properties) throw new Error('no connection');
    connection.Properties.AuthorizationType = 'OAUTH_CLIENT_CREDENTIALS';
    expect(() => loadLocalStackModel(template, synth.assemblyDir)).toThrow(
      new RegExp(
        `${id} \\(PartnerReferrals/WebhookConnection/Connection\\) Properties.AuthorizationType: OAUTH_CLIENT_CREDENTIALS is not run`,
      ),
    );
  });
});
