import type { Context } from 'aws-lambda';
import { loadRuntimeConfig, type RuntimeConfig } from '../domain/config';
import { mapStripeEvent } from '../domain/stripe-events';
import { ingest, type IngestResult } from './commons/ingest';

/**
 * EventBridge target for the Stripe partner bus. Input: the EventBridge envelope of a Stripe event.
 * Output: `{ ignored: reason }`, `{ started: true, executionName, executionArn }` or
 * `{ started: false, duplicate: true, executionName }`. Throws `MalformedEvent` / `UnknownPrice`.
 */
export function createStripeIngestHandler(config: RuntimeConfig) {
  const options = { priceMap: config.priceMap, expectedSource: config.stripeEventSource };
  return (event: unknown, context?: Context): Promise<IngestResult> =>
    ingest({ source: 'stripe', event, context, config, map: (e) => mapStripeEvent(e, options) });
}

export const handler = createStripeIngestHandler(loadRuntimeConfig());
