import * as fs from 'node:fs';
import * as path from 'node:path';
import type { HistoryEvent } from '../../local/history';

/**
 * Real AWS executions recorded by LocalStack's parity tests (see its README.md): `../shared/aws-recorded`
 * beside the repository, resolved from this file, never from the working directory or a machine path.
 */
export const RECORDED_DIR = path.join(__dirname, '..', '..', '..', 'shared', 'aws-recorded');

/** JSON5 as these files use it: `//` comments and trailing commas. */
export function parseJson5(text: string): unknown {
  const noComments = text.replace(/^((?:[^"\n/]|"(?:[^"\\\n]|\\.)*")*?)\s*\/\/.*$/gm, '$1');
  return JSON.parse(noComments.replace(/,(\s*[}\]])/g, '$1')) as unknown;
}

export function loadDefinition(name: string): Record<string, unknown> {
  return parseJson5(
    fs.readFileSync(path.join(RECORDED_DIR, 'definitions', `${name}.json5`), 'utf8'),
  ) as Record<string, unknown>;
}

export interface RecordedEvent {
  id: number;
  previousEventId: number;
  type: string;
  [details: string]: unknown;
}

export interface RecordedCase {
  events?: RecordedEvent[];
  exception?: { exception_typename: string; exception_value: string };
}

export function loadRecorded(snapshot: string, test: string): RecordedCase {
  const file = JSON.parse(
    fs.readFileSync(path.join(RECORDED_DIR, 'snapshots', `${snapshot}.snapshot.json`), 'utf8'),
  ) as Record<
    string,
    {
      'recorded-content': {
        get_execution_history?: { events: RecordedEvent[] };
        exception?: RecordedCase['exception'];
      };
    }
  >;
  const key = Object.keys(file).find((k) => k.endsWith(`::${test}`));
  if (!key) throw new Error(`${snapshot}: no recorded case ${test}`);
  const content = file[key]?.['recorded-content'];
  return { events: content?.get_execution_history?.events, exception: content?.exception };
}

/** Local names that stand for the recording's placeholders. */
export const LOCAL_TO_PLACEHOLDER: [RegExp, string][] = [
  [/arn:aws:/g, 'arn:<partition>:'],
  [/:us-east-1:/g, ':<region>:'],
  [/:000000000000:/g, ':111111111111:'],
  [/\blocal-test-table\b/g, '<test-table>'],
  [/\blocal-missing-table\b/g, '<test-table>'],
];

const REQUEST_ID = /Request ID: [^;),]+/g;

function normaliseString(s: string): string {
  let out = s;
  for (const [pattern, placeholder] of LOCAL_TO_PLACEHOLDER) out = out.replace(pattern, placeholder);
  return out.replace(REQUEST_ID, 'Request ID: <request_id>');
}

/** Parses JSON strings (the API returns payloads as strings, the recording holds them parsed). */
function maybeJson(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const t = value.trim();
  if (!(t.startsWith('{') || t.startsWith('['))) return value;
  try {
    return JSON.parse(t) as unknown;
  } catch {
    return value;
  }
}

/**
 * Replaces what varies per run (request ids, dates, trace ids, stack traces, log tails) and reduces
 * the SDK metadata blocks to their shape: header names (case-insensitive) and status code.
 */
export function normalise(value: unknown, key = ''): unknown {
  if (key === 'SdkHttpMetadata' && value && typeof value === 'object') {
    const m = value as { HttpHeaders?: Record<string, unknown>; HttpStatusCode?: number };
    return {
      headers: Object.keys(m.HttpHeaders ?? {})
        .map((h) => h.toLowerCase())
        .sort(),
      status: m.HttpStatusCode,
    };
  }
  if (key === 'SdkResponseMetadata') return '<SdkResponseMetadata>';
  if (key === 'LogResult') return '<LogResult>';
  if (key === 'requestId') return '<request_id>';
  if (key === 'stackTrace' || key === 'trace') return '<trace>';
  const parsed =
    key === 'cause' || key === 'Cause' || key === 'input' || key === 'output' || key === 'parameters'
      ? maybeJson(value)
      : value;
  if (Array.isArray(parsed)) return parsed.map((v) => normalise(v));
  if (parsed && typeof parsed === 'object') {
    return Object.fromEntries(Object.entries(parsed).map(([k, v]) => [k, normalise(v, k)]));
  }
  return typeof parsed === 'string' ? normaliseString(parsed) : parsed;
}

/** The comparable view of one event: its place in the chain and its normalised details. */
export function comparable(event: RecordedEvent | HistoryEvent): Record<string, unknown> {
  const details = Object.entries(event).find(([k]) => k.endsWith('EventDetails'));
  const d = details ? (normalise(details[1]) as Record<string, unknown>) : {};
  // Not compared: roleArn (IAM), inputDetails/outputDetails (always untruncated here), region (fixed locally).
  delete d.roleArn;
  delete d.region;
  return { id: event.id, previousEventId: event.previousEventId, type: event.type, ...d };
}
