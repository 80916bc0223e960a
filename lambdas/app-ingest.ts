import { mapAppEvent, type AppMappingOptions } from '../domain/app-events';
import { loadRuntimeConfig } from '../domain/config';
import { lambdaHandler } from './commons/handler';
import { ingest, type IngestDeps } from './commons/ingest';
import { createSfnClient } from './commons/sfn';

/**
 * EventBridge target for the app bus (`UserSignedUp`, `UserEmailVerified`). Same output contract as
 * stripe-ingest; throws `MalformedEvent`. A signup's email address is hashed with `CLICK_IP_SALT`
 * (`config.clickIpSalt`): one salt serves both the click log's IP hashes and the email hashes.
 */
export function createAppIngestHandler(deps: IngestDeps) {
  const options: AppMappingOptions = { identitySalt: deps.config.clickIpSalt };
  return lambdaHandler((event: unknown) =>
    ingest(deps, { source: 'app', event, map: (e) => mapAppEvent(e, options) }),
  );
}

export const handler = createAppIngestHandler({
  config: loadRuntimeConfig(process.env),
  sfn: createSfnClient(),
});
