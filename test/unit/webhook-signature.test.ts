import { createHmac } from 'node:crypto';
import { canonicalJson, signWebhook, verifyWebhook } from '../../domain/webhook-signature';

const SECRET = 'whsec-test';
const NOW = 1_764_547_200;
const body = { id: 'payout:acme:po_1:v2', type: 'PayoutPaid', data: { amountCents: 5250, currency: 'usd' } };

describe('webhook signatures', () => {
  it('are v1, base64 HMAC-SHA256 over "<id>.<timestamp>.<canonical JSON body>"', () => {
    // Prepare: the canonical body by hand (RFC 8785: keys sorted, no whitespace).
    const canonical =
      '{"data":{"amountCents":5250,"currency":"usd"},"id":"payout:acme:po_1:v2","type":"PayoutPaid"}';
    const expected = createHmac('sha256', SECRET).update(`${body.id}.${NOW}.${canonical}`).digest('base64');

    // Act
    const signature = signWebhook({ id: body.id, timestamp: NOW, body }, SECRET);

    // Assess
    expect(canonicalJson(body)).toBe(canonical);
    expect(signature).toBe(`v1,${expected}`);
  });

  it('verify whatever order the receiver parsed the keys in, and among several signatures (rotation)', () => {
    const signature = signWebhook({ id: body.id, timestamp: NOW, body }, SECRET);
    const reordered = { data: { currency: 'usd', amountCents: 5250 }, type: body.type, id: body.id };

    expect(
      verifyWebhook(
        { id: body.id, timestamp: String(NOW), signature: `v1,b2xk ${signature}`, body: reordered },
        SECRET,
        NOW + 10,
      ),
    ).toBe(true);
  });

  it.each([
    ['another secret', { secret: 'other' }],
    ['a changed amount', { body: { ...body, data: { amountCents: 5251, currency: 'usd' } } }],
    ['another id', { id: 'payout:acme:po_1:v3' }],
    ['a timestamp older than the tolerance (a day and five minutes)', { now: NOW + 86_400 + 301 }],
    ['another signature version', { signature: 'v2,abc' }],
  ])(
    'fail for %s',
    (_name, change: { secret?: string; body?: unknown; id?: string; now?: number; signature?: string }) => {
      const signature = signWebhook({ id: body.id, timestamp: NOW, body }, SECRET);

      expect(
        verifyWebhook(
          {
            id: change.id ?? body.id,
            timestamp: NOW,
            signature: change.signature ?? signature,
            body: change.body ?? body,
          },
          change.secret ?? SECRET,
          change.now ?? NOW,
        ),
      ).toBe(false);
    },
  );

  it('refuse to sign with an empty secret or a timestamp that is not epoch seconds', () => {
    expect(() => signWebhook({ id: 'x', timestamp: NOW, body }, '')).toThrow('secret is empty');
    expect(() => signWebhook({ id: 'x', timestamp: 1.5, body }, SECRET)).toThrow('timestamp');
  });
});
