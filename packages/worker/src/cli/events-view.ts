/** The screen of `celerity events`: a table of workers and one of recent tasks, coloured by state. */
import Table from 'cli-table3';
import pc from 'picocolors';
import type { EventState, TaskView } from './events-state.js';
import { utcTimestamp } from './events-dump.js';

/** Options of {@link renderEventsView}. */
export interface EventsViewOptions {
  /** Seconds since the epoch. */
  now: number;
  /** Rows of tasks shown at most. */
  maxTasks: number;
  /** Wrap long cells to fit this many columns. */
  width: number;
}

const colourOf = (state: string): ((text: string) => string) => {
  if (state === 'SUCCESS') return pc.green;
  if (state === 'FAILURE' || state === 'REJECTED') return pc.red;
  if (state === 'RETRY' || state === 'REVOKED') return pc.yellow;
  if (state === 'STARTED') return pc.cyan;
  return (text) => text;
};

const cut = (text: string, max: number): string => (text.length > max ? `${text.slice(0, Math.max(0, max - 1))}…` : text);

function taskRow(task: TaskView, width: number): string[] {
  const colour = colourOf(task.state);
  const detail = task.result === null ? `${task.args ?? ''} ${task.kwargs ?? ''}`.trim() : task.result;
  return [
    cut(task.uuid, 36),
    cut(task.name ?? '?', 30),
    colour(task.state),
    cut(task.hostname ?? '', 24),
    task.runtime === null ? '' : `${task.runtime.toFixed(3)}s`,
    cut(detail, Math.max(10, width - 130)),
  ];
}

/** The text of one frame. */
export function renderEventsView(state: EventState, options: EventsViewOptions): string {
  const workers = new Table({ head: ['Worker', 'Status', 'Active', 'Processed', 'Load', 'Software', 'Last seen (UTC)'], style: { head: ['bold'] } });
  for (const worker of [...state.workers.values()].sort((a, b) => a.hostname.localeCompare(b.hostname))) {
    const online = state.isOnline(worker, options.now);
    workers.push([
      worker.hostname,
      online ? pc.green('ONLINE') : pc.red('OFFLINE'),
      worker.active === null ? '' : String(worker.active),
      worker.processed === null ? '' : String(worker.processed),
      worker.loadavg === null ? '' : worker.loadavg.map((v) => v.toFixed(2)).join(' '),
      worker.software ?? '',
      utcTimestamp(Math.floor(worker.lastSeen)),
    ]);
  }
  const tasks = new Table({ head: ['UUID', 'Task', 'State', 'Worker', 'Runtime', 'Args / result'], style: { head: ['bold'] } });
  for (const task of state.recentTasks(options.maxTasks)) tasks.push(taskRow(task, options.width));
  const header = pc.bold(`celerity events — ${state.workers.size} worker(s), ${state.tasks.size} task(s), ${state.count} event(s)   ${utcTimestamp(Math.floor(options.now))} UTC   (Ctrl+C to quit)`);
  return `${header}\n${workers.toString()}\n${tasks.toString()}`;
}
