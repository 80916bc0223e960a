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

/** The entries as EventBridge receives them, and the answer it gives. */
export function putEvents(
  parameters: unknown,
  sender: { workflow: string; executionArn: string },
): { answer: { Entries: { EventId: string }[]; FailedEntryCount: number }; records: PutEventsRecord[] } {
  const entries = ((parameters as { Entries?: unknown })?.Entries ?? []) as Entry[];
  if (!Array.isArray(entries)) throw new Error('events:putEvents: Entries must be an array');
  const records = entries.map((entry): PutEventsRecord => ({
    eventId: randomUUID(),
    time: new Date().toISOString(),
    source: String(entry.Source ?? ''),
    detailType: String(entry.DetailType ?? ''),
    detail: typeof entry.Detail === 'string' ? entry.Detail : JSON.stringify(entry.Detail ?? {}),
    eventBusName: String(entry.EventBusName ?? 'default'),
    ...sender,
  }));
  return {
    answer: { Entries: records.map((r) => ({ EventId: r.eventId })), FailedEntryCount: 0 },
    records,
  };
}
