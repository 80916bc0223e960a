import { render } from 'preact';
import './console.css';
import { useEffect, useState } from 'preact/hooks';
import { ExecutionsPage } from './executions';
import { PartnersPage } from './partners';
import { QueuesPage } from './queues';

/** The console's pages by hash route (`#/executions`, `#/queues`, `#/partners`), so the static site needs no server routes. */
const PAGES = [
  { path: 'executions', title: 'Executions', Page: ExecutionsPage },
  { path: 'queues', title: 'Queues', Page: QueuesPage },
  { path: 'partners', title: 'Partners', Page: PartnersPage },
] as const;

function currentRoute(): string[] {
  return location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
}

function Console() {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const onHash = () => setRoute(currentRoute());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  const [section = 'executions', ...rest] = route;
  const page = PAGES.find((p) => p.path === section) ?? PAGES[0];
  return (
    <>
      <header>
        <strong>partner-referrals · local console</strong>
        <nav aria-label="Console sections">
          {PAGES.map((p) => (
            <a key={p.path} href={`#/${p.path}`} aria-current={p === page ? 'page' : undefined}>
              {p.title}
            </a>
          ))}
        </nav>
      </header>
      <main>
        <page.Page route={rest} />
      </main>
    </>
  );
}

render(<Console />, document.getElementById('app')!);
