import { loadRuntimeConfig } from '../domain/config';
import { mapStripeEvent, type StripeMappingOptions } from '../domain/stripe-events';
import { lambdaHandler } from './commons/handler';
import { ingest, type IngestDeps } from './commons/ingest';
import { createSfnClient } from './commons/sfn';

/**
 * EventBridge target for the Stripe partner bus. Input: the EventBridge envelope of a Stripe event
 * (`STRIPE_EVENT_TYPES`). Starts the lifecycle workflow that records its fact (payment, refund, dispute,
 * subscription). Output: `{ ignored: reason }`, `{ started: true, executionName, executionArn }` or
 * `{ started: false, duplicate: true, executionName }`. Throws `MalformedEvent`, `UnknownPrice`,
 * `AmountTooLarge` (above `MAX_AMOUNT_MINOR_UNITS`) or `UnsupportedCurrency` (not `PROGRAM_CURRENCY`).
 */
export function createStripeIngestHandler(deps: IngestDeps) {
  const options: StripeMappingOptions = {
    priceMap: deps.config.priceMap,
    expectedSource: deps.config.stripeEventSource,
    programCurrency: deps.config.programCurrency,
  };
  return lambdaHandler((event: unknown) =>
    ingest(deps, { source: 'stripe', event, map: (e) => mapStripeEvent(e, options) }),
  );
}

export const handler = createStripeIngestHandler({
  config: loadRuntimeConfig(process.env),
  sfn: createSfnClient(),
});
