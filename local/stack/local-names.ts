import { DEFAULT_WEBHOOK_SIGNING_SECRET, WORKFLOW_NAMES, type WorkflowName } from '../../domain/config';
import { FUNCTION_NAMES, type FunctionName } from '../../infra/workflow-manifest';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION, localFunctionArn, localStateMachineArn } from '../aws-names';
import { resolveString, type ResolveContext } from './resolve';
import { describeResource, kebab, topConstructId, type CfnTemplate } from './template';

export const LOCAL_PSEUDO_PARAMETERS: Readonly<Record<string, string>> = {
  'AWS::Region': LOCAL_REGION,
  'AWS::AccountId': LOCAL_ACCOUNT_ID,
  'AWS::Partition': 'aws',
  'AWS::URLSuffix': 'amazonaws.com',
};

/** Local values of the template's Secrets Manager secrets, by construct id (deployments generate them). */
export const LOCAL_SECRET_VALUES: Readonly<Record<string, string>> = {
  ClickIpSalt: 'local-click-salt',
  // The webhook API key (`npm start -- --webhook-api-key` sets another).
  WebhookApiKey: 'local-webhook-api-key',
  WebhookSigningSecret: DEFAULT_WEBHOOK_SIGNING_SECRET,
};

const arn = (service: string, resource: string): string =>
  `arn:aws:${service}:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:${resource}`;
export const localQueueArn = (name: string): string => arn('sqs', name);
export const localQueueUrl = (name: string): string => `http://localhost/${LOCAL_ACCOUNT_ID}/${name}`;
export const localEventBusArn = (name: string): string => arn('events', `event-bus/${name}`);
export const localTableArn = (name: string): string => arn('dynamodb', `table/${name}`);
/**
 * The template's name for a table's stream. DynamoDB Local labels each stream itself; the pipes runtime asks it
 * for the table's `LatestStreamArn` (local/pipes.ts).
 */
export const localTableStreamArn = (name: string): string => `${localTableArn(name)}/stream/local`;
export const localSecretArn = (name: string): string => arn('secretsmanager', `secret:${name}`);
export const localApiDestinationArn = (name: string): string => arn('events', `api-destination/${name}`);

/** A resource as the local stack names it: what `Ref` gives and its `Fn::GetAtt` attributes. */
export interface LocalIdentity {
  type: string;
  /** The name the local stack uses for it (table name, workflow name, queue name, …). */
  name: string;
  ref: string;
  attributes: Readonly<Record<string, string>>;
}

/** `PartnerReferrals/PaymentWorkflow/StateMachine/Resource` → `payment`, whatever it is. */
export const workflowNameOfPath = (template: CfnTemplate, logicalId: string): string =>
  kebab(topConstructId(template, logicalId).replace(/Workflow$/, ''));

/** The workflow name from the construct path, checked against WORKFLOW_NAMES. */
export function localWorkflowName(template: CfnTemplate, logicalId: string): WorkflowName {
  const name = workflowNameOfPath(template, logicalId);
  if (!(WORKFLOW_NAMES as readonly string[]).includes(name)) {
    throw new Error(
      `State machine ${describeResource(template, logicalId)} is workflow '${name}', which is not in WORKFLOW_NAMES`,
    );
  }
  return name as WorkflowName;
}

/** `PartnerReferrals/PaymentCompute/Resource` → `payment-compute` (checked against FUNCTION_NAMES). */
export function localFunctionName(template: CfnTemplate, logicalId: string): FunctionName {
  const name = kebab(topConstructId(template, logicalId));
  if (!(FUNCTION_NAMES as readonly string[]).includes(name)) {
    throw new Error(
      `Function ${describeResource(template, logicalId)} is '${name}', which is not in FUNCTION_NAMES`,
    );
  }
  return name as FunctionName;
}

/**
 * Local names for every resource a property can point at: `localIdentity(id)` and a ResolveContext
 * whose `Ref` / `Fn::GetAtt` give those names. A type without a local identity, or an attribute it
 * does not have, is an error that names the resource (new infra forces a decision here).
 */
export class LocalNames {
  readonly context: ResolveContext;
  private readonly cache = new Map<string, LocalIdentity>();

  constructor(
    private readonly template: CfnTemplate,
    private readonly secretValues: Readonly<Record<string, string>> = LOCAL_SECRET_VALUES,
  ) {
    this.context = {
      pseudoParameters: LOCAL_PSEUDO_PARAMETERS,
      ref: (id) => this.identity(id).ref,
      getAtt: (id, attribute) => {
        const value = this.identity(id).attributes[attribute];
        if (value === undefined) {
          throw new Error(`${describeResource(template, id)} has no local attribute ${attribute}`);
        }
        return value;
      },
      dynamicReference: (service, reference) => this.dynamicReference(service, reference),
    };
  }

  identity(logicalId: string): LocalIdentity {
    let identity = this.cache.get(logicalId);
    if (!identity) {
      identity = this.build(logicalId);
      this.cache.set(logicalId, identity);
    }
    return identity;
  }

  private build(id: string): LocalIdentity {
    const resource = this.template.Resources[id];
    if (!resource) throw new Error(`no resource ${id} in the template`);
    const type = resource.Type;
    const prop = (key: string): string | undefined => {
      const value = resource.Properties?.[key];
      return value === undefined
        ? undefined
        : resolveString(value, this.context, `${describeResource(this.template, id)} Properties.${key}`);
    };
    const constructId = (): string => topConstructId(this.template, id);
    switch (type) {
      case 'AWS::DynamoDB::Table': {
        const name = prop('TableName') ?? constructId();
        return {
          type,
          name,
          ref: name,
          attributes: { Arn: localTableArn(name), StreamArn: localTableStreamArn(name) },
        };
      }
      case 'AWS::Lambda::Function': {
        const name = localFunctionName(this.template, id);
        return { type, name, ref: name, attributes: { Arn: localFunctionArn(name) } };
      }
      case 'AWS::StepFunctions::StateMachine': {
        const name = localWorkflowName(this.template, id);
        const machineArn = localStateMachineArn(name);
        return { type, name, ref: machineArn, attributes: { Arn: machineArn, Name: name } };
      }
      case 'AWS::Events::EventBus': {
        const name = prop('Name');
        if (!name) throw new Error(`Event bus ${describeResource(this.template, id)} has no Name`);
        return { type, name, ref: name, attributes: { Arn: localEventBusArn(name), Name: name } };
      }
      case 'AWS::SQS::Queue': {
        const name = prop('QueueName') ?? constructId();
        const url = localQueueUrl(name);
        const attributes = { Arn: localQueueArn(name), QueueName: name, QueueUrl: url };
        return { type, name, ref: url, attributes };
      }
      case 'AWS::SecretsManager::Secret': {
        const name = prop('Name') ?? constructId();
        return { type, name, ref: localSecretArn(name), attributes: { Id: localSecretArn(name) } };
      }
      case 'AWS::Events::Connection': {
        const name = prop('Name') ?? constructId();
        return { type, name, ref: name, attributes: { Arn: arn('events', `connection/${name}`) } };
      }
      case 'AWS::Events::ApiDestination': {
        const name = prop('Name') ?? constructId();
        return { type, name, ref: name, attributes: { Arn: localApiDestinationArn(name) } };
      }
      case 'AWS::Pipes::Pipe': {
        const name = prop('Name') ?? constructId();
        return { type, name, ref: name, attributes: { Arn: arn('pipes', `pipe/${name}`) } };
      }
      case 'AWS::Events::Rule': {
        const name = prop('Name') ?? constructId();
        return { type, name, ref: name, attributes: { Arn: arn('events', `rule/${name}`) } };
      }
      case 'AWS::ApiGatewayV2::Api':
      case 'AWS::ApiGatewayV2::Integration':
      case 'AWS::ApiGatewayV2::Authorizer':
      case 'AWS::ApiGatewayV2::Stage':
        // Opaque ids in AWS; locally the logical id, which keeps `integrations/<id>` route targets readable.
        return { type, name: id, ref: id, attributes: {} };
      default:
        throw new Error(`${describeResource(this.template, id)} (${type}) has no local name`);
    }
  }

  /** `{{resolve:secretsmanager:<arn or name>:SecretString:::}}` → the secret's local value. */
  private dynamicReference(service: string, reference: string): string {
    const parts = reference.split(':');
    const secretId = parts.slice(0, -4).join(':') || reference;
    const [field, jsonKey, stage, version] = parts.slice(-4);
    if (service !== 'secretsmanager' || field !== 'SecretString' || jsonKey || stage || version) {
      throw new Error(`dynamic reference {{resolve:${service}:${reference}}} is not supported locally`);
    }
    for (const [id, resource] of Object.entries(this.template.Resources)) {
      if (resource.Type !== 'AWS::SecretsManager::Secret') continue;
      const secret = this.identity(id);
      if (secret.ref !== secretId && secret.name !== secretId) continue;
      const value = this.secretValues[topConstructId(this.template, id)];
      if (value === undefined) {
        throw new Error(
          `secret ${describeResource(this.template, id)} has no local value (LOCAL_SECRET_VALUES)`,
        );
      }
      return value;
    }
    throw new Error(`dynamic reference to unknown secret ${secretId}`);
  }
}
