import { useState } from 'preact/hooks';
import type { PortalConfig } from './config';
import { beginOidcSignIn, sessionOf, type Session } from './session';

/**
 * Locally: paste a partner token from `npm run token -- <partnerId>`. In AWS: one button to the identity
 * provider (authorization code flow with PKCE).
 */
export function SignIn({
  config,
  onSignIn,
  error,
}: {
  config: PortalConfig;
  onSignIn(s: Session): void;
  error?: string;
}) {
  const [problem, setProblem] = useState(error ?? '');
  const [token, setToken] = useState('');
  const auth = config.auth;
  return (
    <main class="sign-in">
      <h1>Partner portal</h1>
      <p>Your referral program: clicks, sign-ups, earnings and payouts.</p>
      {auth.kind === 'oidc' ? (
        <button
          type="button"
          class="primary"
          onClick={() => void beginOidcSignIn(auth).catch((e: Error) => setProblem(e.message))}
        >
          Sign in
        </button>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            try {
              onSignIn(sessionOf(token));
            } catch (err) {
              setProblem((err as Error).message);
            }
          }}
        >
          <label for="token">Partner token</label>
          <textarea
            id="token"
            name="token"
            rows={4}
            required
            spellcheck={false}
            autoComplete="off"
            aria-describedby="token-hint"
            aria-invalid={problem ? true : undefined}
            value={token}
            onInput={(e) => setToken(e.currentTarget.value)}
          />
          <p id="token-hint" class="hint">
            Run <code>npm run token -- &lt;partnerId&gt;</code> and paste what it prints.
          </p>
          <button type="submit" class="primary">
            Sign in
          </button>
        </form>
      )}
      {problem && (
        <p role="alert" class="error">
          {problem}
        </p>
      )}
    </main>
  );
}
