import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import * as z from 'zod/mini';
import { MalformedEventError } from '../../domain/errors';
import { parseOrThrow } from '../../domain/validation';

const malformed = (field: string, problem: string): MalformedEventError =>
  new MalformedEventError(field, problem);

/** A DynamoDB item in AttributeValue form, as the `aws-sdk:dynamodb:*` integrations return it. */
export const attributeMapSchema = z.record(
  z.string(),
  z.custom<AttributeValue>(
    (v) => typeof v === 'object' && v !== null && !Array.isArray(v) && Object.keys(v).length === 1,
    {
      error: 'expected a DynamoDB AttributeValue',
    },
  ),
  { error: 'expected a DynamoDB item in AttributeValue form' },
);

/** Unmarshalls an AttributeValue item and validates it with `schema`; errors name the field under `root`. */
export function itemFrom<S extends z.core.$ZodType>(
  schema: S,
  item: Record<string, AttributeValue>,
  root: string,
): z.output<S> {
  let plain: Record<string, unknown>;
  try {
    plain = unmarshall(item);
  } catch (error) {
    throw malformed(root, `not a DynamoDB item: ${error instanceof Error ? error.message : String(error)}`);
  }
  return parseOrThrow(schema, plain, malformed, root);
}

export function parseInput<S extends z.core.$ZodType>(schema: S, input: unknown): z.output<S> {
  return parseOrThrow(schema, input, malformed);
}
