import type { ApiDestinationSpec } from '../aws/api-destination';
import type { InputTransformer } from '../aws/input-transformer';
import { localApiDestinationArn, type LocalIdentity } from './local-names';
import type { TemplateReader } from './reader';

export interface LocalBus {
  logicalId: string;
  name: string;
}

export interface LocalQueue {
  logicalId: string;
  /** The queue's construct id (`StripeIngestFailures`), unless the template names it. */
  name: string;
  arn: string;
  url: string;
}

export type RuleTargetKind = 'function' | 'stateMachine' | 'queue' | 'apiDestination';

/** An API destination with its connection's authorization, as the local bus calls it. */
export interface LocalApiDestination extends ApiDestinationSpec {
  logicalId: string;
  arn: string;
}

export interface LocalRuleTarget {
  id: string;
  kind: RuleTargetKind;
  /** Function, workflow or queue name. */
  name: string;
  /** Constant input (JSON text) instead of the event. */
  input?: string;
  inputTransformer?: InputTransformer;
  /** An API destination's `HttpParameters.HeaderParameters`. */
  headerParameters?: Record<string, string>;
  /** Queue name of the target's dead-letter queue. */
  deadLetterQueue?: string;
  retryPolicy?: { maximumRetryAttempts?: number; maximumEventAgeInSeconds?: number };
}

export interface LocalRule {
  logicalId: string;
  /** The rule's construct id (`StripeEventsRule`), unless the template names it. */
  name: string;
  /** `default` for schedules and rules without a bus. */
  busName: string;
  eventPattern?: Record<string, unknown>;
  scheduleExpression?: string;
  enabled: boolean;
  targets: LocalRuleTarget[];
}

const named = (id: string, identity: LocalIdentity) => ({ logicalId: id, name: identity.name });

export function loadBuses(reader: TemplateReader): LocalBus[] {
  return reader.ids('AWS::Events::EventBus').map((id) => named(id, reader.names.identity(id)));
}

export function loadQueues(reader: TemplateReader): LocalQueue[] {
  return reader.ids('AWS::SQS::Queue').map((id) => {
    const identity = reader.names.identity(id);
    return {
      ...named(id, identity),
      arn: identity.attributes.Arn as string,
      url: identity.ref,
    };
  });
}

/**
 * The template's API destinations, each with the headers its connection adds: an API key (its value
 * resolved from the secret the connection names) or Basic credentials. OAuth client credentials and
 * connection invocation parameters are not run locally, and say so.
 */
export function loadApiDestinations(reader: TemplateReader): LocalApiDestination[] {
  const connections = new Map<string, Record<string, string>>();
  for (const id of reader.ids('AWS::Events::Connection')) {
    const type = reader.requiredString(id, 'AuthorizationType');
    const auth = reader.value(id, 'AuthParameters') as {
      ApiKeyAuthParameters?: { ApiKeyName: string; ApiKeyValue: string };
      BasicAuthParameters?: { Username: string; Password: string };
      InvocationHttpParameters?: unknown;
    };
    if (auth.InvocationHttpParameters !== undefined)
      reader.fail(id, 'AuthParameters.InvocationHttpParameters', 'not supported by the local event bus');
    let headers: Record<string, string>;
    if (type === 'API_KEY' && auth.ApiKeyAuthParameters) {
      headers = { [auth.ApiKeyAuthParameters.ApiKeyName]: auth.ApiKeyAuthParameters.ApiKeyValue };
    } else if (type === 'BASIC' && auth.BasicAuthParameters) {
      const { Username, Password } = auth.BasicAuthParameters;
      headers = { authorization: `Basic ${Buffer.from(`${Username}:${Password}`).toString('base64')}` };
    } else {
      return reader.fail(
        id,
        'AuthorizationType',
        `${type} is not run by the local event bus (API_KEY and BASIC are)`,
      );
    }
    connections.set(reader.names.identity(id).attributes.Arn as string, headers);
  }
  return reader.ids('AWS::Events::ApiDestination').map((id) => {
    const name = reader.names.identity(id).name;
    const connectionArn = reader.requiredString(id, 'ConnectionArn');
    const connectionHeaders =
      connections.get(connectionArn) ??
      reader.fail(id, 'ConnectionArn', `${connectionArn} is not a connection of this template`);
    const rate = reader.value(id, 'InvocationRateLimitPerSecond');
    return {
      logicalId: id,
      name,
      arn: localApiDestinationArn(name),
      endpoint: reader.requiredString(id, 'InvocationEndpoint'),
      httpMethod: reader.requiredString(id, 'HttpMethod'),
      ...(rate !== undefined ? { rateLimitPerSecond: Number(rate) } : {}),
      connectionHeaders,
    };
  });
}

/** What a target ARN points at: every function, state machine and queue of the template, by local ARN. */
export type TargetIndex = ReadonlyMap<string, { kind: RuleTargetKind; name: string }>;

export function loadRules(
  reader: TemplateReader,
  buses: readonly LocalBus[],
  targets: TargetIndex,
): LocalRule[] {
  const queueNameOf = (id: string, key: string, arn: string): string => {
    const target = targets.get(arn);
    if (target?.kind !== 'queue') return reader.fail(id, key, `${arn} is not a queue of this template`);
    return target.name;
  };
  return reader.ids('AWS::Events::Rule').map((id) => {
    const busName = busNameOf(reader.string(id, 'EventBusName'));
    if (busName !== 'default' && !buses.some((b) => b.name === busName)) {
      reader.fail(id, 'EventBusName', `bus ${busName} is not in this template`);
    }
    const pattern = reader.value(id, 'EventPattern');
    const scheduleExpression = reader.string(id, 'ScheduleExpression');
    const rawTargets = (reader.raw(id, 'Targets') ?? []) as Record<string, unknown>[];
    return {
      logicalId: id,
      name: reader.names.identity(id).name,
      busName,
      ...(pattern !== undefined
        ? {
            eventPattern: (typeof pattern === 'string' ? JSON.parse(pattern) : pattern) as Record<
              string,
              unknown
            >,
          }
        : {}),
      ...(scheduleExpression !== undefined ? { scheduleExpression } : {}),
      enabled: (reader.string(id, 'State') ?? 'ENABLED') === 'ENABLED',
      targets: rawTargets.map((raw, i): LocalRuleTarget => {
        const key = (field: string) => `Targets[${i}].${field}`;
        // Only the fields the local bus uses are resolved: a RoleArn (IAM) has no local name.
        for (const field of ['InputPath', 'SqsParameters']) {
          if (raw[field] !== undefined) reader.fail(id, key(field), 'not supported by the local event bus');
        }
        const arn = reader.resolveString(id, key('Arn'), raw.Arn) ?? reader.fail(id, key('Arn'), 'missing');
        const target =
          targets.get(arn) ?? reader.fail(id, key('Arn'), `${arn} is not a resource of this template`);
        const input = reader.resolveString(id, key('Input'), raw.Input);
        const transformer = reader.resolve(id, key('InputTransformer'), raw.InputTransformer) as
          { InputPathsMap?: Record<string, string>; InputTemplate: string } | undefined;
        const http = reader.resolve(id, key('HttpParameters'), raw.HttpParameters) as
          { HeaderParameters?: Record<string, string>; [other: string]: unknown } | undefined;
        for (const field of Object.keys(http ?? {}))
          if (field !== 'HeaderParameters' || target.kind !== 'apiDestination')
            reader.fail(id, key(`HttpParameters.${field}`), 'not supported by the local event bus');
        const dlqArn = reader.resolveString(
          id,
          key('DeadLetterConfig.Arn'),
          (raw.DeadLetterConfig as { Arn?: unknown })?.Arn,
        );
        const retry = reader.resolve(id, key('RetryPolicy'), raw.RetryPolicy) as
          { MaximumRetryAttempts?: number; MaximumEventAgeInSeconds?: number } | undefined;
        return {
          id: reader.resolveString(id, key('Id'), raw.Id) ?? `Target${i}`,
          ...target,
          ...(input !== undefined ? { input } : {}),
          ...(transformer
            ? {
                inputTransformer: {
                  inputTemplate: transformer.InputTemplate,
                  ...(transformer.InputPathsMap ? { inputPathsMap: transformer.InputPathsMap } : {}),
                },
              }
            : {}),
          ...(http?.HeaderParameters ? { headerParameters: http.HeaderParameters } : {}),
          ...(dlqArn !== undefined
            ? { deadLetterQueue: queueNameOf(id, key('DeadLetterConfig.Arn'), dlqArn) }
            : {}),
          ...(retry
            ? {
                retryPolicy: {
                  ...(retry.MaximumRetryAttempts !== undefined
                    ? { maximumRetryAttempts: retry.MaximumRetryAttempts }
                    : {}),
                  ...(retry.MaximumEventAgeInSeconds !== undefined
                    ? { maximumEventAgeInSeconds: retry.MaximumEventAgeInSeconds }
                    : {}),
                },
              }
            : {}),
        };
      }),
    };
  });
}

/** A bus name or ARN (`…:event-bus/name`); absent means the default bus. */
function busNameOf(nameOrArn: string | undefined): string {
  if (nameOrArn === undefined) return 'default';
  const fromArn = /^arn:[^:]+:events:[^:]*:[^:]*:event-bus\/(.+)$/.exec(nameOrArn)?.[1];
  return fromArn ?? nameOrArn;
}
