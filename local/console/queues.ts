import { TABLE_NAMES } from '../../domain/config';
import type { PeekedMessage } from '../durable/queues';
import type { OnFailureRecord } from '../lambda-async';
import type { LocalStackModel } from '../stack/model';
import { localQueueArn } from '../stack/local-names';
import { ConsoleError, type ConsoleRoute } from './api';
import type { ConsoleDeps } from './routes';
import { scanPage } from './scan-page';

/** Why a queue exists: who sends to it, read from the template (the model); `redrive-dlq` from the queues' redrive policies. */
export interface QueueRole {
  kind: 'on-failure' | 'target-dlq' | 'pipe-dlq' | 'rule-target' | 'redrive-dlq';
  /** `app-ingest`, `StripeEventsRule → stripe-ingest`, … */
  of: string;
}

export function queueRoles(model: LocalStackModel, queue: string): QueueRole[] {
  const roles: QueueRole[] = [];
  for (const f of model.functions)
    if (f.onFailureQueue === queue) roles.push({ kind: 'on-failure', of: f.name });
  for (const rule of model.rules)
    for (const t of rule.targets) {
      if (t.deadLetterQueue === queue) roles.push({ kind: 'target-dlq', of: `${rule.name} → ${t.name}` });
      if (t.kind === 'queue' && t.name === queue) roles.push({ kind: 'rule-target', of: rule.name });
    }
  for (const p of model.pipes) if (p.deadLetterQueue === queue) roles.push({ kind: 'pipe-dlq', of: p.name });
  return roles;
}

/** What a message says about why it landed here: a Lambda on-failure record's error, EventBridge's attributes. */
export function whyOf(body: string, attributes: PeekedMessage['message']['attributes']): string | undefined {
  const code = attributes?.ERROR_CODE?.StringValue;
  const message = attributes?.ERROR_MESSAGE?.StringValue;
  if (code !== undefined || message !== undefined) return [code, message].filter(Boolean).join(': ');
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const record = parsed as Partial<OnFailureRecord>;
  const error = record.responsePayload;
  if (typeof error?.errorType === 'string')
    return `${error.errorType}: ${error.errorMessage} (${record.requestContext?.condition ?? 'failed'} after ${record.requestContext?.approximateInvokeCount ?? '?'} attempts)`;
  return undefined;
}

const peeked = (p: PeekedMessage) => {
  const why = whyOf(p.message.body, p.message.attributes);
  return {
    messageId: p.message.messageId,
    body: p.message.body,
    attributes: p.message.attributes ?? {},
    sentAt: new Date(p.message.sentAt).toISOString(),
    receiveCount: p.receiveCount,
    ...(p.firstReceivedAt !== undefined
      ? { firstReceivedAt: new Date(p.firstReceivedAt).toISOString() }
      : {}),
    inFlight: p.inFlight,
    ...(p.message.deadLetterSource !== undefined ? { deadLetterSource: p.message.deadLetterSource } : {}),
    ...(why !== undefined ? { why } : {}),
  };
};

/** A parked fact's key: `link#<id>` / `parked#<fact key>` (statemachines/referral-fact.asl.json, ParkUntilLinked). */
const LINK_PREFIX = 'link#';
const PARKED_PREFIX = 'parked#';
const PARKED_PAGE = 50;

/**
 * The console's queues routes. Reading peeks (`LocalQueues.peek`): it neither consumes nor hides a message.
 * A redrive is a StartMessageMoveTask on the stack's shared move tasks (the same code the AWS CLI drives),
 * for the whole queue or, as a local extension, one message.
 */
export function queueRoutes({ model, queues, moveTasks, db }: ConsoleDeps): ConsoleRoute[] {
  const known = (name: string): string => {
    if (!queues.has(name)) throw new ConsoleError(404, 'QueueNotFound', `No queue ${name} in this stack`);
    return name;
  };
  const rolesOf = (name: string): QueueRole[] => [
    ...queueRoles(model, name),
    ...queues.sourcesOf(name).map((of) => ({ kind: 'redrive-dlq' as const, of })),
  ];
  const summary = (name: string) => ({
    name,
    arn: localQueueArn(name),
    roles: rolesOf(name),
    // What a move task can send back; a pipe's dead letters name stream shards, not events.
    redrivable: moveTasks.isDeadLetterQueue(name),
    messages: queues.messages(name).length,
    ...queues.counts(name),
  });
  const startMove = (name: string, messageIds?: string[]) => {
    known(name);
    try {
      const handle = moveTasks.start({
        source: name,
        sourceArn: localQueueArn(name),
        ...(messageIds ? { messageIds } : {}),
      });
      return { taskHandle: handle };
    } catch (error) {
      // The move task's own refusals (not a dead-letter queue, a task already running) are the caller's to fix.
      throw new ConsoleError(409, 'MoveTaskRefused', error instanceof Error ? error.message : String(error));
    }
  };
  return [
    { method: 'GET', path: 'queues', handle: async () => ({ queues: queues.names().map(summary) }) },
    {
      method: 'GET',
      path: 'queues/:name',
      handle: async ({ params }) => {
        const name = known(params.name ?? '');
        return {
          ...summary(name),
          messages: queues.peek(name).map(peeked),
          moveTasks: moveTasks.list(localQueueArn(name), 10),
        };
      },
    },
    {
      method: 'POST',
      path: 'queues/:name/redrive',
      handle: async ({ params }) => startMove(params.name ?? ''),
    },
    {
      method: 'POST',
      path: 'queues/:name/messages/:messageId/redrive',
      handle: async ({ params }) => {
        const name = known(params.name ?? '');
        const id = params.messageId ?? '';
        if (!queues.messages(name).some((m) => m.messageId === id))
          throw new ConsoleError(404, 'MessageNotFound', `No message ${id} in ${name}`);
        return startMove(name, [id]);
      },
    },
    {
      // Facts parked in PartnerReferrals until a fact links one of their ids (`payment:<charge or PaymentIntent>`, …) to a user: read-only.
      method: 'GET',
      path: 'parked',
      handle: async ({ query }) => {
        const page = await scanPage(db, {
          table: TABLE_NAMES.referrals,
          keyNames: ['partnerId', 'referralId'],
          cursor: query.get('cursor'),
          limit: PARKED_PAGE,
          filter: {
            FilterExpression: 'begins_with(partnerId, :link) AND begins_with(referralId, :parked)',
            ExpressionAttributeValues: { ':link': LINK_PREFIX, ':parked': PARKED_PREFIX },
          },
        });
        return { parked: page.items.map(parkedFact), ...(page.cursor ? { cursor: page.cursor } : {}) };
      },
    },
  ];
}

function parkedFact(item: Record<string, unknown>) {
  const linkId = String(item.partnerId).slice(LINK_PREFIX.length);
  const factKey = String(item.referralId).slice(PARKED_PREFIX.length);
  let kind: string | undefined;
  try {
    const input = JSON.parse(String(item.input)) as { fact?: { kind?: string } };
    kind = input.fact?.kind;
  } catch {
    kind = undefined;
  }
  return {
    linkId,
    factKey,
    ...(kind !== undefined ? { kind } : {}),
    parkedAt: String(item.parkedAt),
    ...(typeof item.expiresAt === 'number'
      ? { expiresAt: new Date(item.expiresAt * 1000).toISOString() }
      : {}),
    why: `Waiting for a fact that links ${linkId} to a user; that fact replays this one`,
  };
}
