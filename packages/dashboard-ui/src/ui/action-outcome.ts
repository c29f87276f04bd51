/** What the status line says after an action, from the `detail` the server answered with. */
import type { ActionName } from './api.js';

/** The status line after a confirmed action (a refused one keeps its dialog open instead). */
export interface Outcome {
  message: string;
  /** A task the action made (a retry's new task), to link to. */
  taskId?: string;
}

const field = (detail: unknown, key: string): unknown => (typeof detail === 'object' && detail !== null ? (detail as Record<string, unknown>)[key] : undefined);

/** `<title>: done`, with what the detail adds: a retry's new task, how many messages a purge deleted, the workers' replies to a control command. */
export function outcomeOf(action: ActionName, title: string, detail: unknown): Outcome {
  const taskId = field(detail, 'taskId');
  if (action === 'retry' && typeof taskId === 'string') return { message: `${title}: sent again as`, taskId };
  const purged = field(detail, 'purged');
  if (action === 'purge' && typeof purged === 'number') return { message: `${title}: ${purged} message${purged === 1 ? '' : 's'} deleted` };
  const replies = field(detail, 'replies');
  if (Array.isArray(replies)) {
    const lines = replies.flatMap(replyLines);
    return { message: lines.length === 0 ? `${title}: no worker answered` : `${title}: ${lines.join('; ')}` };
  }
  return { message: `${title}: done` };
}

/** Celery's control replies, `{ "<worker>": { "ok": "<text>" } }` or `{ "<worker>": { "error": "<text>" } }`, as `<worker>: <text>`. */
function replyLines(reply: unknown): string[] {
  if (typeof reply !== 'object' || reply === null) return [];
  return Object.entries(reply).map(([worker, answer]) => {
    const text = field(answer, 'ok') ?? field(answer, 'error');
    return `${worker}: ${typeof text === 'string' ? text : JSON.stringify(answer)}`;
  });
}
