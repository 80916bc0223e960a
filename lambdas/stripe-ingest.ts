import { loadRuntimeConfig } from '../domain/config';
import { mapStripeEvent } from '../domain/stripe-events';
import { lambdaHandler } from './commons/handler';
import { ingest, type IngestDeps } from './commons/ingest';
import { createSfnClient } from './commons/sfn';

/**
 * EventBridge target for the Stripe partner bus. Input: the EventBridge envelope of a Stripe event.
 * Output: `{ ignored: reason }`, `{ started: true, executionName, executionArn }` or
 * `{ started: false, duplicate: true, executionName }`. Throws `MalformedEvent` / `UnknownPrice`.
 */
export function createStripeIngestHandler(deps: IngestDeps) {
  const options = { priceMap: deps.config.priceMap, expectedSource: deps.config.stripeEventSource };
  return lambdaHandler((event: unknown) =>
    ingest(deps, { source: 'stripe', event, map: (e) => mapStripeEvent(e, options) }),
  );
}

export const handler = createStripeIngestHandler({ config: loadRuntimeConfig(), sfn: createSfnClient() });
