/**
 * EventBridge's input transformer and dynamic HTTP parameters, as a rule target applies them
 * (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-transform-target-input.html):
 * `InputPathsMap` names JSON paths into the event, `InputTemplate` uses them as `<name>`. A placeholder
 * outside a JSON string becomes the value's JSON (a string gets its quotes); inside a string the value is
 * inserted as text, unescaped, as EventBridge does. A variable whose path is not in the event is not
 * created, so its placeholder becomes nothing. Placeholders that name no variable stay as they are.
 */
export interface InputTransformer {
  inputPathsMap?: Readonly<Record<string, string>>;
  inputTemplate: string;
}

/** What the predefined variables (`aws.events.*`) refer to. */
export interface TransformContext {
  ruleArn: string;
  ruleName: string;
  /** The event exactly as it is delivered (`aws.events.event.json`). */
  eventJson: string;
  /** When EventBridge received the event (ISO 8601). */
  ingestionTime: string;
}

const PATH_SEGMENT = /^(?:\.([^.[\]]+)|\[(\d+)\])/;

/** The value at a JSON path (`$`, `$.detail.id`, `$.resources[0]`, `$.detail-type`); `found` false when absent. */
export function valueAtPath(event: unknown, path: string): { found: boolean; value?: unknown } {
  if (!path.startsWith('$')) return { found: false };
  let rest = path.slice(1);
  let value: unknown = event;
  while (rest.length > 0) {
    const m = PATH_SEGMENT.exec(rest);
    if (!m) return { found: false };
    const key = m[1] ?? Number(m[2]);
    if (typeof value !== 'object' || value === null || !(key in value)) return { found: false };
    value = (value as Record<string | number, unknown>)[key];
    rest = rest.slice(m[0].length);
  }
  return value === undefined ? { found: false } : { found: true, value };
}

export function transformInput(
  transformer: InputTransformer,
  event: unknown,
  context: TransformContext,
): string {
  const variables = new Map<string, { found: boolean; value?: unknown }>([
    ['aws.events.rule-arn', { found: true, value: context.ruleArn }],
    ['aws.events.rule-name', { found: true, value: context.ruleName }],
    ['aws.events.event', { found: true, value: event }],
    ['aws.events.event.ingestion-time', { found: true, value: context.ingestionTime }],
    ['aws.events.event.json', { found: true, value: context.eventJson }],
  ]);
  for (const [name, path] of Object.entries(transformer.inputPathsMap ?? {}))
    variables.set(name, valueAtPath(event, path));

  const template = transformer.inputTemplate;
  let out = '';
  let inString = false;
  for (let i = 0; i < template.length; i++) {
    const c = template[i] as string;
    if (c === '<') {
      const end = template.indexOf('>', i + 1);
      const variable = end > i ? variables.get(template.slice(i + 1, end)) : undefined;
      if (variable) {
        if (variable.found) {
          const v = variable.value;
          out += inString && typeof v === 'string' ? v : JSON.stringify(v);
        }
        i = end;
        continue;
      }
    }
    if (inString && c === '\\') {
      out += c + (template[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === '"') inString = !inString;
    out += c;
  }
  return out;
}

/**
 * HttpParameters values: one that is a JSON path (`$.detail.id`) is replaced by the event's value there
 * (a string as is, anything else as JSON); a path the event lacks leaves the parameter out; other values
 * are constants (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-targets.html#targets-specific-parms).
 */
export function dynamicParameters(
  parameters: Readonly<Record<string, string>> | undefined,
  event: unknown,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, raw] of Object.entries(parameters ?? {})) {
    if (!raw.startsWith('$.')) {
      out[key] = raw;
      continue;
    }
    const { found, value } = valueAtPath(event, raw);
    if (found) out[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return out;
}
