import { createHash } from 'node:crypto';
import { StateMachine } from 'aws-local-stepfunctions';

/**
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
