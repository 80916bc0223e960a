import { createHash } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';

/**
 * The intrinsics patches/aws-local-stepfunctions+3.0.0.patch (applied by `postinstall`) corrects.
 *
 * aws-local-stepfunctions 3.0.0 computes States.Hash wrongly for inputs of 56 bytes or more, which made
 * distinct transactions share a ClientRequestToken. patches/aws-local-stepfunctions+3.0.0.patch (applied
 * by `postinstall`) hashes with node:crypto, as AWS's digests do.
 */
describe('States.Hash', () => {
  const machine = new StateMachine({
    StartAt: 'Hash',
    States: {
      Hash: {
        Type: 'Pass',
        Parameters: {
          'md5.$': "States.Hash($.text, 'MD5')",
          'sha1.$': "States.Hash($.text, 'SHA-1')",
          'sha256.$': "States.Hash($.text, 'SHA-256')",
          'sha512.$': "States.Hash($.text, 'SHA-512')",
        },
        End: true,
      },
    },
  });

  it.each([0, 5, 55, 56, 64, 65, 200, 1000])(
    'matches the standard digests for %i characters',
    async (length) => {
      const text = 'p_partner|ref_user|2026-01-15T10:00:00.000Z|payment'.repeat(30).slice(0, length);

      const out = (await machine.run({ text }).result) as Record<string, string>;

      const digest = (alg: string) => createHash(alg).update(text).digest('hex');
      expect(out).toEqual({
        md5: digest('md5'),
        sha1: digest('sha1'),
        sha256: digest('sha256'),
        sha512: digest('sha512'),
      });
    },
  );
});

/**
 * Unseeded, the library seeded States.MathRandom with Date.now(): executions backing off from the same
 * conflict in the same millisecond drew the same wait and collided again. The patch draws from Math.random.
 */
describe('States.MathRandom', () => {
  const machine = new StateMachine({
    StartAt: 'Draw',
    States: {
      Draw: {
        Type: 'Pass',
        Parameters: {
          'unseeded.$': 'States.MathRandom(0, 1000000)',
          'seeded.$': 'States.MathRandom(0, 1000000, 7)',
        },
        End: true,
      },
    },
  });

  afterEach(() => jest.restoreAllMocks());

  it('draws independently in executions of the same millisecond unless seeded, within its bounds', async () => {
    jest.spyOn(Date, 'now').mockReturnValue(Date.parse('2026-12-02T00:00:00.000Z'));
    const draws = (await Promise.all(Array.from({ length: 20 }, () => machine.run({}).result))) as {
      unseeded: number;
      seeded: number;
    }[];

    // Twenty independent draws from a million values all equal: about 1e-114.
    expect(new Set(draws.map((d) => d.unseeded)).size).toBeGreaterThan(1);
    expect(new Set(draws.map((d) => d.seeded)).size).toBe(1);
    for (const { unseeded } of draws) {
      expect(Number.isInteger(unseeded)).toBe(true);
      expect(unseeded).toBeGreaterThanOrEqual(0);
      expect(unseeded).toBeLessThanOrEqual(1000000);
    }
  });
});
