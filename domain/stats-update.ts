import { N, S, type AttributeMap } from './attribute-value';
import { STATS_COUNTERS, type ReferralCounters } from './stats';

export interface StatsUpdate {
  UpdateExpression: string;
  ExpressionAttributeValues: AttributeMap;
}

/**
 * The stats-row update that applies `delta`: `ADD` every non-zero counter (placeholder `:<counter>`) and
 * `version :one`, `SET lastActivityAt = :at`. The caller adds the key and `attribute_exists(partnerId)`.
 */
export function statsUpdateFor(delta: ReferralCounters, at: string): StatsUpdate {
  const adds: string[] = [];
  const values: AttributeMap = {};
  for (const counter of STATS_COUNTERS) {
    const change = delta[counter];
    if (!Number.isSafeInteger(change))
      throw new RangeError(`${counter}: delta must be an integer, got ${change}`);
    if (change === 0) continue;
    adds.push(`${counter} :${counter}`);
    values[`:${counter}`] = N(change);
  }
  adds.push('version :one');
  values[':one'] = N(1);
  values[':at'] = S(at);
  return {
    UpdateExpression: `ADD ${adds.join(', ')} SET lastActivityAt = :at`,
    ExpressionAttributeValues: values,
  };
}
