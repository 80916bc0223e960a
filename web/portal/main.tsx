import { render } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import { Activity } from './activity';
import { apiClient } from './api';
import type { PortalConfig } from './config';
import { loadPortalConfig } from './load-config';
import { Commissions, Downloads, Payouts, Referrals } from './lists';
import { Overview, ReferralLink } from './overview';
import { clearSession, completeOidcSignIn, saveSession, savedSession, type Session } from './session';
import { SignIn } from './sign-in';
import './style.css';
import type { DashboardView } from './types';
import { useLoad } from './use-load';

function Portal({
  config,
  session,
  onSignOut,
}: {
  config: PortalConfig;
  session: Session;
  onSignOut(): void;
}) {
  const api = useMemo(() => apiClient(config.apiUrl, session, onSignOut), [config, session]);
  const dashboard = useLoad(
    () => api.get<DashboardView>(`/partners/${encodeURIComponent(session.partnerId)}/dashboard`),
    [api],
  );
  const name = dashboard.state === 'ready' ? dashboard.value.displayName : session.partnerId;
  return (
    <>
      <header class="top">
        <a class="skip" href="#content">
          Skip to content
        </a>
        <span class="brand">Partner portal</span>
        <span class="who">
          Signed in as <strong>{session.partnerId}</strong>
        </span>
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main id="content" tabIndex={-1}>
        <h1>{name}</h1>
        {dashboard.state === 'loading' && <p aria-live="polite">Loading your dashboard…</p>}
        {dashboard.state === 'error' && (
          <p role="alert" class="error">
            Dashboard: {dashboard.message}
          </p>
        )}
        {dashboard.state === 'ready' && (
          <>
            <Overview dashboard={dashboard.value} />
            <ReferralLink apiUrl={config.apiUrl} partnerId={session.partnerId} />
            <Activity api={api} partnerId={session.partnerId} />
            <Referrals api={api} partnerId={session.partnerId} first={dashboard.value} />
            <Commissions api={api} partnerId={session.partnerId} />
            <Payouts api={api} partnerId={session.partnerId} />
            <Downloads api={api} partnerId={session.partnerId} />
          </>
        )}
      </main>
    </>
  );
}

function App({ config, initial, error }: { config: PortalConfig; initial: Session | null; error?: string }) {
  const [session, setSession] = useState(initial);
  if (!session)
    return (
      <SignIn
        config={config}
        error={error}
        onSignIn={(s) => {
          saveSession(s);
          setSession(s);
        }}
      />
    );
  return (
    <Portal
      config={config}
      session={session}
      onSignOut={() => {
        clearSession();
        setSession(null);
      }}
    />
  );
}

async function start(root: HTMLElement): Promise<void> {
  const config = await loadPortalConfig();
  let session = savedSession();
  let error: string | undefined;
  if (config.auth.kind === 'oidc') {
    try {
      const returned = await completeOidcSignIn(config.auth);
      if (returned) saveSession((session = returned));
    } catch (e) {
      error = (e as Error).message;
    }
  }
  render(<App config={config} initial={session} error={error} />, root);
}

const root = document.getElementById('app')!;
start(root).catch((error: unknown) =>
  render(
    <main>
      <h1>Partner portal</h1>
      <p role="alert" class="error">
        The portal could not start: {(error as Error).message}
      </p>
    </main>,
    root,
  ),
);
