import type { Context } from 'aws-lambda';
import { mapAppEvent } from '../domain/app-events';
import { loadRuntimeConfig, type RuntimeConfig } from '../domain/config';
import { ingest, type IngestResult } from './commons/ingest';

/**
 * EventBridge target for the app bus (`UserSignedUp`, `UserEmailVerified`). Same output contract as
 * stripe-ingest; throws `MalformedEvent`.
 */
export function createAppIngestHandler(config: RuntimeConfig) {
  return (event: unknown, context?: Context): Promise<IngestResult> =>
    ingest({ source: 'app', event, context, config, map: mapAppEvent });
}

export const handler = createAppIngestHandler(loadRuntimeConfig());
