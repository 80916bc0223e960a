import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { contributionDelta } from '../../domain/contribution';
import { STATS_COUNTERS, zeroCounters, type ReferralCounters } from '../../domain/stats';
import { statsUpdateFor } from '../../domain/stats-update';
import { paidReferral } from './builders';

describe('statsUpdateFor', () => {
  it('adds each non-zero counter under its own placeholder, bumps version and sets lastActivityAt', () => {
    // Prepare
    const delta = { ...zeroCounters(), totalPaid: 1, afSignups: -1, totalRevenueCents: 2999 };

    // Act
    const update = statsUpdateFor(delta, '2026-01-15T10:00:00.000Z');

    // Assess
    expect(update).toEqual({
      UpdateExpression:
        'ADD afSignups :afSignups, totalPaid :totalPaid, totalRevenueCents :totalRevenueCents, version :one SET lastActivityAt = :at',
      ExpressionAttributeValues: {
        ':afSignups': { N: '-1' },
        ':totalPaid': { N: '1' },
        ':totalRevenueCents': { N: '2999' },
        ':one': { N: '1' },
        ':at': { S: '2026-01-15T10:00:00.000Z' },
      },
    });
  });

  it('still bumps version and lastActivityAt when the delta is all zeros', () => {
    // Act
    const update = statsUpdateFor(zeroCounters(), '2026-01-15T10:00:00.000Z');

    // Assess
    expect(update.UpdateExpression).toBe('ADD version :one SET lastActivityAt = :at');
    expect(Object.keys(update.ExpressionAttributeValues)).toEqual([':one', ':at']);
  });

  it('rejects a fractional delta', () => {
    expect(() => statsUpdateFor({ ...zeroCounters(), totalRevenueCents: 0.5 }, 'now')).toThrow(RangeError);
  });

  it('round-trips: the ADD clause holds exactly the delta', () => {
    // Prepare
    const delta = contributionDelta(undefined, paidReferral());

    // Act
    const update = statsUpdateFor(delta, 'now');

    // Assess
    expect(deltaOf(update.UpdateExpression, update.ExpressionAttributeValues)).toEqual(delta);
  });
});

type Values = Record<string, unknown>;

/** `ADD a :x, b :y, version :one SET …` + values → the counters it adds (`version` excluded). */
function deltaOf(expression: string, values: Values): ReferralCounters {
  const delta = zeroCounters();
  const add = /ADD (.*?)(?: SET | REMOVE | DELETE |$)/.exec(expression)?.[1] ?? '';
  for (const clause of add.split(',').map((s) => s.trim())) {
    const [name, placeholder] = clause.split(/\s+/);
    if (!name || !placeholder || name === 'version') continue;
    if (!(STATS_COUNTERS as readonly string[]).includes(name))
      throw new Error(`ADD of unknown counter ${name}`);
    const value = values[placeholder] as { N?: string } | undefined;
    if (value?.N === undefined) throw new Error(`${placeholder} is not a fixed number`);
    delta[name as keyof ReferralCounters] += Number(value.N);
  }
  return delta;
}

describe('registration', () => {
  it('creates every counter, the clicks and the version at zero', () => {
    const file = path.join(__dirname, '..', '..', 'statemachines', 'registration.asl.json');
    const asl = JSON.parse(readFileSync(file, 'utf8')) as {
      States: { CreatePartnerStats: { Parameters: { Item: Record<string, { N?: string }> } } };
    };
    const zeros = Object.entries(asl.States.CreatePartnerStats.Parameters.Item)
      .filter(([, v]) => v.N === '0')
      .map(([k]) => k)
      .sort();
    expect(zeros).toEqual([...STATS_COUNTERS, 'totalClicks', 'version'].sort());
  });
});
