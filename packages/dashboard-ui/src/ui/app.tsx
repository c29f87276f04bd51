/** The page: a header with the navigation and the stream's status, and the view of the route. */
import { useEffect, useState } from 'preact/hooks';
import { ActionsProvider } from './actions.js';
import { fetchSession } from './api.js';
import type { Session } from './contract.js';
import { formatCount } from './format.js';
import type { LiveState, LiveStore } from './live-store.js';
import { useRoute } from './router.js';
import type { Route } from './router.js';
import { Plots } from './views/plots.js';
import { QueuesTable } from './views/queues-table.js';
import { TaskPage } from './views/task-page.js';
import { TasksView } from './views/tasks.js';
import { WorkersTable } from './views/workers-table.js';

function useLive(live: LiveStore): LiveState {
  const [state, setState] = useState(live.state());
  useEffect(() => live.subscribe(setState), [live]);
  return state;
}

function Totals({ state }: { state: LiveState }) {
  const overview = state.overview;
  if (overview === null) return null;
  const online = overview.workers.filter((worker) => worker.online).length;
  const cards: [string, number, string][] = [
    ['workers online', online, 'workers'],
    ['received', overview.totals.received, 'received'],
    ['active', overview.totals.active, 'active'],
    ['succeeded', overview.totals.succeeded, 'succeeded'],
    ['failed', overview.totals.failed, 'failed'],
  ];
  return (
    <div class="totals">
      {cards.map(([label, value, key]) => (
        <div class="total" key={key} data-total={key}>
          <div class="total-value">{formatCount(value)}</div>
          <div class="total-label">{label}</div>
        </div>
      ))}
    </div>
  );
}

function View({ route, state, live }: { route: Route; state: LiveState; live: LiveStore }) {
  const overview = state.overview;
  switch (route.view) {
    case 'overview':
      return (
        <>
          <Totals state={state} />
          <Plots series={state.series} />
          <h2>Workers</h2>
          {overview === null ? <p class="muted">Waiting for the server…</p> : <WorkersTable workers={overview.workers} />}
          <h2>Queues</h2>
          {overview === null ? <p class="muted">Waiting for the server…</p> : <QueuesTable queues={overview.queues} />}
        </>
      );
    case 'workers':
      return (
        <section>
          <h1>Workers</h1>
          {overview === null ? <p class="muted">Waiting for the server…</p> : <WorkersTable workers={overview.workers} actions />}
        </section>
      );
    case 'queues':
      return (
        <section>
          <h1>Queues</h1>
          {overview === null ? <p class="muted">Waiting for the server…</p> : <QueuesTable queues={overview.queues} actions />}
        </section>
      );
    case 'tasks':
      return <TasksView live={live} />;
    case 'task':
      return <TaskPage key={route.id} id={route.id} live={live} />;
    case 'missing':
      return <p class="muted">No page at {route.path}.</p>;
  }
}

const NAV: [string, string, Route['view'][]][] = [
  ['#/', 'Overview', ['overview']],
  ['#/tasks', 'Tasks', ['tasks', 'task']],
  ['#/workers', 'Workers', ['workers']],
  ['#/queues', 'Queues', ['queues']],
];

export function App({ live }: { live: LiveStore }) {
  const route = useRoute();
  const state = useLive(live);
  const [session, setSession] = useState<Session | null>(null);
  const [sessionError, setSessionError] = useState<string | null>(null);
  useEffect(() => {
    fetchSession()
      .then(setSession)
      .catch((error: unknown) => setSessionError((error as Error).message));
  }, []);

  return (
    <ActionsProvider session={session}>
      <header>
        <strong class="brand">Celerity</strong>
        <nav>
          {NAV.map(([href, label, views]) => (
            <a key={href} href={href} class={views.includes(route.view) ? 'current' : ''} aria-current={views.includes(route.view) ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <span class={state.connected ? 'live live-on' : 'live live-off'} data-connected={state.connected}>
          {state.connected ? 'live' : 'offline'}
        </span>
        {session?.readOnly === true && <span class="badge">read-only</span>}
      </header>
      {state.error !== null && <p class="error banner">{state.error}</p>}
      {sessionError !== null && <p class="error banner">session: {sessionError}</p>}
      <main data-view={route.view}>
        <View route={route} state={state} live={live} />
      </main>
    </ActionsProvider>
  );
}
