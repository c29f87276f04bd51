/** The queues table: depth (and by priority), consumers, ETA tasks held by workers, dead letters; actions on `#/queues`. */
import { ActionButton } from '../actions.js';
import type { Queue } from '../contract.js';
import { formatCount } from '../format.js';

function priorities(queue: Queue): string {
  if (queue.byPriority === null) return '—';
  const entries = Object.entries(queue.byPriority).filter(([, depth]) => depth > 0);
  return entries.length === 0 ? '—' : entries.map(([priority, depth]) => `${priority}: ${depth}`).join(', ');
}

export function QueuesTable({ queues, actions = false }: { queues: Queue[]; actions?: boolean }) {
  if (queues.length === 0) return <p class="muted">No queue known yet.</p>;
  return (
    <table class="queues">
      <thead>
        <tr>
          <th>Queue</th>
          <th>Depth</th>
          <th>By priority</th>
          <th>Consumers</th>
          <th>Held ETA</th>
          <th>Dead letters</th>
          {actions && <th>Actions</th>}
        </tr>
      </thead>
      <tbody>
        {queues.map((queue) => (
          <tr key={queue.name} data-queue={queue.name} data-depth={queue.depth ?? ''}>
            <td>{queue.name}</td>
            <td class="number">{formatCount(queue.depth)}</td>
            <td>{priorities(queue)}</td>
            <td class="number">{formatCount(queue.consumers)}</td>
            <td class="number">{formatCount(queue.heldEta)}</td>
            <td class="number">{formatCount(queue.deadLetters)}</td>
            {actions && (
              <td class="actions">
                <ActionButton danger label="Purge" request={{ action: 'purge', title: `Purge ${queue.name}`, description: `Deletes every message waiting in ${queue.name}. Tasks already taken by workers are not affected.`, body: { queue: queue.name }, confirmLabel: 'Purge' }} />
                <ActionButton label="Replay dead letters" request={{ action: 'dlq-replay', title: `Replay the dead letters of ${queue.name}`, description: `Sends the messages of ${queue.name}'s dead-letter queue back to ${queue.name}.`, body: { queue: queue.name }, confirmLabel: 'Replay' }} />
              </td>
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
