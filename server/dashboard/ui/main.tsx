/** The dashboard's shell: sign-in, navigation, and the page for the current route. */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { EventsPage } from './pages/events.js';
import { FleetPage } from './pages/fleet.js';
import { LogsPage } from './pages/logs.js';
import { NodePage } from './pages/node.js';
import { RolloutsPage } from './pages/rollouts.js';
import { SignInPage } from './pages/signin.js';
import { href, route, startRouter } from './router.js';
import { live, resume, role, signOut, user } from './state.js';

const NAV: { page: 'fleet' | 'rollouts' | 'events'; label: string }[] = [
  { page: 'fleet', label: 'Fleet' },
  { page: 'rollouts', label: 'Rollouts' },
  { page: 'events', label: 'Events' },
];

function App() {
  const [checking, setChecking] = useState(true);
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    void resume().then((err) => {
      setError(err);
      setChecking(false);
    });
  }, []);
  const l = live.value;
  const r = role.value;
  if (checking) return <p role="status">Loading…</p>;
  if (!l || !r) return <SignInPage {...(error ? { initialError: error } : {})} />;
  const current = route.value;
  const lost = l.nodes.error.value;
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Flotilla</span>
        <nav aria-label="Pages">
          {NAV.map((n) => (
            <a key={n.page} href={href(n.page)} aria-current={current.page === n.page || (n.page === 'fleet' && current.page === 'node') ? 'page' : undefined}>
              {n.label}
            </a>
          ))}
        </nav>
        <span class="who" data-role={r}>
          {user.value} ({r === 'admin' ? 'admin' : 'read-only'})
        </span>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      {lost && <p class="banner error" role="alert">{lost}</p>}
      <main id="main" tabIndex={-1}>
        {current.page === 'fleet' && <FleetPage live={l} />}
        {current.page === 'node' && <NodePage live={l} name={current.name} role={r} />}
        {current.page === 'rollouts' && <RolloutsPage live={l} role={r} />}
        {current.page === 'events' && <EventsPage live={l} />}
        {current.page === 'logs' && <LogsPage live={l} namespace={current.namespace} pod={current.pod} {...(current.container ? { container: current.container } : {})} />}
      </main>
    </>
  );
}

startRouter();
const root = document.getElementById('app');
if (root) render(<App />, root);
