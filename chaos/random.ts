import { createHash } from 'node:crypto';

/**
 * Seeded, keyed randomness: every draw is a hash of the seed and a key naming the decision, so a
 * decision does not depend on the order in which concurrent work asks for it. The same seed gives the
 * same journeys and the same faults, however the deliveries interleave.
 */
export class Chance {
  constructor(readonly seed: number) {}

  /** Uniform in [0, 1). */
  unit(key: string): number {
    const digest = createHash('sha256').update(`${this.seed}|${key}`).digest();
    return digest.readUIntBE(0, 6) / 2 ** 48;
  }

  happens(key: string, probability: number): boolean {
    return this.unit(key) < probability;
  }

  /** An integer in [min, max]. */
  int(key: string, min: number, max: number): number {
    return min + Math.floor(this.unit(key) * (max - min + 1));
  }

  pick<T>(key: string, items: readonly T[]): T {
    const item = items[Math.floor(this.unit(key) * items.length)];
    if (item === undefined) throw new Error(`pick from an empty list (${key})`);
    return item;
  }
}
