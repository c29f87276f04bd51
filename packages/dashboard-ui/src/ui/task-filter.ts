/** The tasks list's filters, applied by the server (`api/tasks`) and again to live updates here. */
import type { TaskSummary } from './contract.js';

export interface TaskFilter {
  /** A task id or a substring of its name. */
  q: string;
  /** A state, or '' for any. */
  state: string;
  /** An exact task name, or '' for any. */
  name: string;
}

export const NO_FILTER: TaskFilter = { q: '', state: '', name: '' };

/** Whether a task the stream reported belongs in a list filtered by `filter`, as the server decides it. */
export function matchesFilter(task: TaskSummary, filter: TaskFilter): boolean {
  if (filter.state !== '' && task.state !== filter.state) return false;
  if (filter.name !== '' && task.name !== filter.name) return false;
  const q = filter.q.trim().toLowerCase();
  if (q !== '' && !task.id.toLowerCase().includes(q) && !(task.name ?? '').toLowerCase().includes(q)) return false;
  return true;
}

/**
 * Merges changed tasks into a list kept newest first (by `updated`), at most `limit` long. A change
 * older than the listed task is skipped: a search's answer may already hold a later state.
 */
export function mergeTasks(current: readonly TaskSummary[], changed: readonly TaskSummary[], filter: TaskFilter, limit: number): TaskSummary[] {
  const byId = new Map(current.map((task) => [task.id, task]));
  for (const task of changed) {
    const listed = byId.get(task.id);
    if (listed !== undefined && listed.updated > task.updated) continue;
    if (matchesFilter(task, filter)) byId.set(task.id, task);
    else byId.delete(task.id);
  }
  return [...byId.values()].sort((a, b) => b.updated - a.updated).slice(0, limit);
}
