/** The workers table: one row per worker, its language badge, and (on `#/workers`) its actions. */
import { ActionButton } from '../actions.js';
import type { Worker } from '../contract.js';
import { formatCount } from '../format.js';

function LanguageBadge({ worker }: { worker: Worker }) {
  if (worker.language === null) return <span class="badge">?</span>;
  const text = worker.language === 'python' ? 'Python' : 'TypeScript';
  return (
    <span class={`badge badge-${worker.language}`} title={worker.software ?? undefined} data-language={worker.language}>
      {text}
    </span>
  );
}

function heartbeat(worker: Worker): string {
  if (worker.heartbeatAge === null) return worker.online ? 'online' : 'offline';
  const age = worker.heartbeatAge < 10 ? worker.heartbeatAge.toFixed(1) : Math.round(worker.heartbeatAge).toString();
  return `${worker.online ? 'online' : 'offline'}, ${age} s ago`;
}

function WorkerActions({ worker }: { worker: Worker }) {
  const host = worker.hostname;
  const count = { key: 'n', label: 'Processes', initial: '1', kind: 'number' as const, required: true };
  return (
    <div class="actions">
      <ActionButton label="Grow pool" request={{ action: 'pool-grow', title: `Grow the pool of ${host}`, description: `Adds processes to ${host}'s pool (Celery's pool_grow).`, body: { worker: host }, inputs: [count], confirmLabel: 'Grow' }} />
      <ActionButton label="Shrink pool" request={{ action: 'pool-shrink', title: `Shrink the pool of ${host}`, description: `Removes processes from ${host}'s pool (Celery's pool_shrink).`, body: { worker: host }, inputs: [count], confirmLabel: 'Shrink' }} />
      <ActionButton
        label="Rate limit"
        request={{
          action: 'rate-limit',
          title: `Change a rate limit on ${host}`,
          description: `Sets a task's rate limit on ${host} (Celery's rate_limit command).`,
          body: { destination: [host] },
          inputs: [
            { key: 'taskName', label: 'Task name', initial: '', kind: 'text', required: true },
            { key: 'rate', label: 'Rate (e.g. 10/s, 100/m)', initial: '10/s', kind: 'text', required: true },
          ],
          confirmLabel: 'Set rate limit',
        }}
      />
      <ActionButton danger label="Shut down" request={{ action: 'shutdown', title: `Shut down ${host}`, description: `Sends Celery's shutdown command: ${host} stops after its running tasks.`, body: { worker: host }, confirmLabel: 'Shut down' }} />
    </div>
  );
}

export function WorkersTable({ workers, actions = false }: { workers: Worker[]; actions?: boolean }) {
  if (workers.length === 0) return <p class="muted">No worker seen yet (workers need events on: Celery's -E, Celerity's eventsEnabled).</p>;
  return (
    <table class="workers">
      <thead>
        <tr>
          <th>Worker</th>
          <th>Language</th>
          <th>Heartbeat</th>
          <th>Pool</th>
          <th>Active</th>
          <th>Processed</th>
          <th>Load</th>
          <th>Queues</th>
          {actions && <th>Actions</th>}
        </tr>
      </thead>
      <tbody>
        {workers.map((worker) => (
          <tr key={worker.hostname} data-worker={worker.hostname} class={worker.online ? 'online' : 'offline'}>
            <td>
              <span class={worker.online ? 'dot dot-online' : 'dot dot-offline'} /> {worker.hostname}
              {worker.software !== null && <div class="muted small">{worker.software}</div>}
            </td>
            <td>
              <LanguageBadge worker={worker} />
            </td>
            <td>{heartbeat(worker)}</td>
            <td>{worker.pool === null ? '—' : `${worker.pool}${worker.concurrency === null ? '' : ` × ${worker.concurrency}`}`}</td>
            <td>{formatCount(worker.active)}</td>
            <td>{formatCount(worker.processed)}</td>
            <td>{worker.loadavg === null ? '—' : worker.loadavg.map((n) => n.toFixed(2)).join(' ')}</td>
            <td>{worker.queues.join(', ') || '—'}</td>
            {actions && (
              <td>
                <WorkerActions worker={worker} />
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
