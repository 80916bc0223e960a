import type { EventBridgeEvent } from 'aws-lambda';

export type Envelope<D = unknown> = EventBridgeEvent<string, D>;

/** An EventBridge event as a target receives it. */
export function envelope<D>(args: {
  id: string;
  source: string;
  detailType: string;
  time: string;
  detail: D;
}): Envelope<D> {
  return {
    version: '0',
    id: args.id,
    'detail-type': args.detailType,
    source: args.source,
    account: '123456789012',
    time: args.time,
    region: 'us-east-1',
    resources: [],
    detail: args.detail,
  };
}

type Json = Record<string, unknown>;

/** Sets `a.b[0].c` on a (cloned) event, creating objects on the way: for malformed-event tests. */
export function withPath<T>(source: T, path: string, value: unknown): T {
  const copy = structuredClone(source);
  const keys = path.split(/\.|\[(\d+)\]/).filter((k) => k !== undefined && k !== '');
  let node = copy as unknown as Json;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null) node[key] = {};
    node = node[key] as Json;
  }
  const last = keys[keys.length - 1];
  if (last === undefined) throw new Error(`empty path`);
  if (value === undefined) delete node[last];
  else node[last] = value;
  return copy;
}

/** Removes the field at `path` (see `withPath`). */
export const withoutPath = <T>(source: T, path: string): T => withPath(source, path, undefined);

/** A PutEvents request entry. */
export interface PutEventsEntryFields {
  EventBusName: string;
  Source: string;
  DetailType: string;
  Detail: string;
}

/**
 * The PutEvents entry that sends an envelope's event to `busName`. `source` replaces the envelope's
 * (Stripe's partner events carry the event source's name, which is the bus name, as their source).
 */
export function putEventsEntry(
  busName: string,
  event: { source: string; 'detail-type': string; detail: unknown },
  options: { source?: string; detail?: unknown } = {},
): PutEventsEntryFields {
  return {
    EventBusName: busName,
    Source: options.source ?? event.source,
    DetailType: event['detail-type'],
    Detail: JSON.stringify('detail' in options ? options.detail : event.detail),
  };
}
