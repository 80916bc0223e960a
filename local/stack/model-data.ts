import { readFileSync } from 'node:fs';
import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import type { WorkflowName } from '../../domain/config';
import { substitute, type AslMachine } from '../definition';
import { assetFileOf } from './assets';
import { LOCAL_PSEUDO_PARAMETERS } from './local-names';
import type { TemplateReader } from './reader';

export interface LocalTable {
  logicalId: string;
  tableName: string;
  createTableInput: CreateTableCommandInput;
  timeToLiveAttribute?: string;
}

export interface LocalWorkflow {
  logicalId: string;
  name: WorkflowName;
  type: 'STANDARD' | 'EXPRESS';
  /** The ASL the template deploys, its `DefinitionSubstitutions` resolved to local names. */
  definition: AslMachine;
}

/** The CreateTable request keeps what DynamoDB Local needs (keys, indexes, billing, streams); SSE, PITR and deletion protection have no local meaning. */
const CREATE_TABLE_KEYS = [
  'AttributeDefinitions',
  'KeySchema',
  'BillingMode',
  'ProvisionedThroughput',
  'GlobalSecondaryIndexes',
  'LocalSecondaryIndexes',
  'StreamSpecification',
] as const;

export function loadTables(reader: TemplateReader): LocalTable[] {
  return reader.ids('AWS::DynamoDB::Table').map((id) => {
    const tableName = reader.names.identity(id).name;
    const input: Record<string, unknown> & { TableName: string } = { TableName: tableName };
    for (const key of CREATE_TABLE_KEYS) {
      const value = reader.value(id, key);
      if (value !== undefined) input[key] = value;
    }
    if (input.StreamSpecification !== undefined)
      input.StreamSpecification = { StreamEnabled: true, ...(input.StreamSpecification as object) };
    const ttl = reader.value(id, 'TimeToLiveSpecification') as
      { AttributeName?: string; Enabled?: boolean } | undefined;
    return {
      logicalId: id,
      tableName,
      createTableInput: input as CreateTableCommandInput,
      ...(ttl?.Enabled && ttl.AttributeName ? { timeToLiveAttribute: ttl.AttributeName } : {}),
    };
  });
}

/**
 * A state machine's ARN as the template formats it from the machine's name (`arn:…:stateMachine:<stack>-payment`,
 * for a machine that names itself), mapped to its local ARN (`…:stateMachine:payment`).
 */
function formattedMachineArns(reader: TemplateReader): Map<string, string> {
  const { 'AWS::Region': region, 'AWS::AccountId': account } = LOCAL_PSEUDO_PARAMETERS;
  return new Map(
    reader.ids('AWS::StepFunctions::StateMachine').flatMap((id) => {
      const name = reader.string(id, 'StateMachineName');
      const local = reader.names.identity(id).ref;
      return name ? [[`arn:aws:states:${region}:${account}:stateMachine:${name}`, local] as const] : [];
    }),
  );
}

export function loadWorkflows(reader: TemplateReader, assemblyDir: string): LocalWorkflow[] {
  const localArnOf = formattedMachineArns(reader);
  return reader.ids('AWS::StepFunctions::StateMachine').map((id) => {
    const name = reader.names.identity(id).name as WorkflowName;
    const type = reader.string(id, 'StateMachineType') ?? 'STANDARD';
    if (type !== 'STANDARD' && type !== 'EXPRESS')
      reader.fail(id, 'StateMachineType', `unknown type ${type}`);
    const substitutions = (reader.value(id, 'DefinitionSubstitutions') ?? {}) as Record<string, unknown>;
    for (const [key, value] of Object.entries(substitutions)) {
      if (typeof value !== 'string') reader.fail(id, `DefinitionSubstitutions.${key}`, 'expected a string');
      substitutions[key] = localArnOf.get(value) ?? value;
    }
    const text = substitute(
      definitionText(reader, id, assemblyDir),
      substitutions as Record<string, string>,
      `state machine ${name}`,
    );
    return { logicalId: id, name, type, definition: JSON.parse(text) as AslMachine };
  });
}

/** The ASL as deployed: an asset of the assembly (`DefinitionS3Location`), or inline. */
function definitionText(reader: TemplateReader, id: string, assemblyDir: string): string {
  const location = reader.template.Resources[id]?.Properties?.DefinitionS3Location as
    { Key?: unknown } | undefined;
  if (location) {
    const key = location.Key;
    if (typeof key !== 'string') return reader.fail(id, 'DefinitionS3Location.Key', 'expected a string');
    return readFileSync(assetFileOf(assemblyDir, key), 'utf8');
  }
  // Inline forms: intrinsics resolve (Fn::Join of a tokenised definition); `${…}` placeholders stay for the substitutions.
  const inline = reader.string(id, 'DefinitionString');
  if (inline !== undefined) return inline;
  const definition = reader.value(id, 'Definition');
  if (definition !== undefined) return JSON.stringify(definition);
  return reader.fail(
    id,
    'DefinitionS3Location',
    'no definition (DefinitionS3Location, DefinitionString or Definition)',
  );
}
