import { randomUUID } from 'node:crypto';

/**
 * SQS's query protocol, which the AWS CLIs before the JSON protocol (November 2023; Debian's 2.9 among
 * them) speak: form-encoded parameters, XML answers in the 2012-11-05 namespace. The element names follow
 * the service model (flattened lists and maps).
 * https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-xml-api-responses.html
 */

type Body = Record<string, unknown>;

export const XML_TYPE = 'text/xml';
const XML_NAMESPACE = 'http://queue.amazonaws.com/doc/2012-11-05/';

/** Lists the query protocol flattens as `<Name>.<n>`, by the JSON member they fill. */
const QUERY_LISTS: Readonly<Record<string, string>> = {
  AttributeName: 'AttributeNames',
  MessageSystemAttributeName: 'MessageSystemAttributeNames',
  MessageAttributeName: 'MessageAttributeNames',
};

/**
 * The query protocol's parameters as the JSON members the operations read: `AttributeName.1=All` into
 * AttributeNames, `MessageAttribute.1.Name` / `.Value.StringValue` / `.Value.DataType` into MessageAttributes.
 */
export function queryMembers(params: URLSearchParams): Body {
  const body: Body = {};
  const lists = new Map<string, Map<number, string>>();
  const attributes = new Map<number, Body>();
  for (const [key, value] of params) {
    const list = /^(\w+)\.(\d+)$/.exec(key);
    const member = list ? QUERY_LISTS[list[1] ?? ''] : undefined;
    const attribute =
      /^MessageAttribute\.(\d+)\.(Name|Value\.StringValue|Value\.BinaryValue|Value\.DataType)$/.exec(key);
    if (list && member) {
      const items = lists.get(member) ?? new Map<number, string>();
      items.set(Number(list[2]), value);
      lists.set(member, items);
    } else if (attribute) {
      const n = Number(attribute[1]);
      const entry = attributes.get(n) ?? {};
      entry[(attribute[2] ?? '').replace('Value.', '')] = value;
      attributes.set(n, entry);
    } else if (key !== 'Action' && key !== 'Version') {
      body[key] = value;
    }
  }
  for (const [member, items] of lists) body[member] = [...items].sort(([a], [b]) => a - b).map(([, v]) => v);
  if (attributes.size > 0)
    body.MessageAttributes = Object.fromEntries(
      [...attributes.values()].map(({ Name, ...value }) => [String(Name), value]),
    );
  return body;
}

function xmlEscape(text: string): string {
  // `\r` is escaped too: an XML parser would read a bare one as `\n`.
  return text.replace(/[&<>"\r]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Flattened lists and maps take these element names in the query protocol's XML (botocore's model). */
const XML_NAMES: Readonly<Record<string, string>> = {
  QueueUrls: 'QueueUrl',
  Messages: 'Message',
  Attributes: 'Attribute',
  MessageAttributes: 'MessageAttribute',
};

function xmlValue(name: string, value: unknown): string {
  if (value === undefined) return '';
  const element = XML_NAMES[name] ?? name;
  if (Array.isArray(value)) return value.map((v) => xmlValue(name, v)).join('');
  if (typeof value === 'object' && value !== null) {
    // Maps (Attributes, MessageAttributes) are flattened Name/Value pairs; structures nest.
    if (name === 'Attributes' || name === 'MessageAttributes')
      return Object.entries(value)
        .map(([k, v]) => `<${element}><Name>${xmlEscape(k)}</Name>${xmlValue('Value', v)}</${element}>`)
        .join('');
    return `<${element}>${Object.entries(value)
      .map(([k, v]) => xmlValue(k, v))
      .join('')}</${element}>`;
  }
  return `<${element}>${xmlEscape(String(value))}</${element}>`;
}

/** An operation's answer: its result's members in `<Op>Response><Op>Result>`. */
export function xmlResponse(action: string, out: unknown): string {
  const members = Object.entries((out ?? {}) as Body)
    .map(([k, v]) => xmlValue(k, v))
    .join('');
  return (
    `<?xml version="1.0"?><${action}Response xmlns="${XML_NAMESPACE}"><${action}Result>${members}</${action}Result>` +
    `<ResponseMetadata><RequestId>${randomUUID()}</RequestId></ResponseMetadata></${action}Response>`
  );
}

export function xmlErrorResponse(
  type: 'Sender' | 'Receiver',
  code: string,
  message: string,
  requestId: string,
): string {
  return (
    `<?xml version="1.0"?><ErrorResponse xmlns="${XML_NAMESPACE}"><Error><Type>${type}</Type>` +
    `<Code>${xmlEscape(code)}</Code><Message>${xmlEscape(message)}</Message><Detail/></Error>` +
    `<RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}
