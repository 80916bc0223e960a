import { randomUUID } from 'node:crypto';

/** One entry sent through `arn:aws:states:::events:putEvents`, as EventBridge would receive it. */
export interface PutEventsRecord {
  eventId: string;
  time: string;
  source: string;
  detailType: string;
  /** EventBridge receives Detail as a JSON string; the task may give an object, which Step Functions serialises. */
  detail: string;
  eventBusName: string;
  /** Who sent it. */
  workflow: string;
  executionArn: string;
}

interface Entry {
  Source?: unknown;
  DetailType?: unknown;
  Detail?: unknown;
  EventBusName?: unknown;
}

/** Records the entries (a later issue routes them to rules) and answers like EventBridge. */
export function putEvents(
  log: PutEventsRecord[],
  parameters: unknown,
  sender: { workflow: string; executionArn: string },
): { Entries: { EventId: string }[]; FailedEntryCount: number } {
  const entries = ((parameters as { Entries?: unknown })?.Entries ?? []) as Entry[];
  if (!Array.isArray(entries)) throw new Error('events:putEvents: Entries must be an array');
  const results = entries.map((entry) => {
    const eventId = randomUUID();
    log.push({
      eventId,
      time: new Date().toISOString(),
      source: String(entry.Source ?? ''),
      detailType: String(entry.DetailType ?? ''),
      detail: typeof entry.Detail === 'string' ? entry.Detail : JSON.stringify(entry.Detail ?? {}),
      eventBusName: String(entry.EventBusName ?? 'default'),
      ...sender,
    });
    return { EventId: eventId };
  });
  return { Entries: results, FailedEntryCount: 0 };
}
