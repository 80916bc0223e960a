import { mapAppEvent } from '../domain/app-events';
import { loadRuntimeConfig } from '../domain/config';
import { lambdaHandler } from './commons/handler';
import { ingest, type IngestDeps } from './commons/ingest';
import { createSfnClient } from './commons/sfn';

/**
 * EventBridge target for the app bus (`UserSignedUp`, `UserEmailVerified`). Same output contract as
 * stripe-ingest; throws `MalformedEvent`.
 */
export function createAppIngestHandler(deps: IngestDeps) {
  return lambdaHandler((event: unknown) => ingest(deps, { source: 'app', event, map: mapAppEvent }));
}

export const handler = createAppIngestHandler({ config: loadRuntimeConfig(), sfn: createSfnClient() });
