/**
 * `#/tasks`: the live list of tasks, newest first. The search (id or name substring, state, exact
 * name) goes to `api/tasks`; the stream's changed tasks are merged in when they match it.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { fetchTasks } from '../api.js';
import { TASK_STATES } from '../contract.js';
import type { TaskSummary } from '../contract.js';
import { formatClock, formatDuration, stateClass } from '../format.js';
import type { LiveStore } from '../live-store.js';
import { taskHref } from '../router.js';
import { mergeTasks, NO_FILTER } from '../task-filter.js';
import type { TaskFilter } from '../task-filter.js';

const PAGE = 100;

export function TaskRows({ tasks }: { tasks: TaskSummary[] }) {
  if (tasks.length === 0) return <p class="muted">No task matches.</p>;
  return (
    <table class="tasks">
      <thead>
        <tr>
          <th>State</th>
          <th>Task</th>
          <th>Id</th>
          <th>Worker</th>
          <th>Received</th>
          <th>Runtime</th>
          <th>Args</th>
          <th>Result</th>
        </tr>
      </thead>
      <tbody>
        {tasks.map((task) => (
          <tr key={task.id} data-task={task.id} data-state={task.state}>
            <td>
              <span class={stateClass(task.state)}>{task.state}</span>
            </td>
            <td>{task.name ?? '—'}</td>
            <td class="mono">
              <a href={taskHref(task.id)}>{task.id}</a>
            </td>
            <td>{task.worker ?? '—'}</td>
            <td>{formatClock(task.received)}</td>
            <td class="number">{formatDuration(task.runtime)}</td>
            <td class="mono preview">{task.args ?? ''}</td>
            <td class="mono preview">{task.exception ?? task.result ?? ''}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function TasksView({ live }: { live: LiveStore }) {
  const [draft, setDraft] = useState<TaskFilter>(NO_FILTER);
  const [filter, setFilter] = useState<TaskFilter>(NO_FILTER);
  const [tasks, setTasks] = useState<TaskSummary[]>([]);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<string | null>(null);
  const [more, setMore] = useState(false);

  useEffect(() => {
    let current = true;
    // Changes the stream reports while the search is being answered: the answer replaces the list,
    // so they are merged into it again, or a task that changed meanwhile would vanish.
    let duringSearch: TaskSummary[] | null = [];
    setLoading(true);
    fetchTasks({ ...filter, limit: PAGE })
      .then((found) => {
        if (!current) return;
        setTasks(mergeTasks(found, duringSearch ?? [], filter, Math.max(PAGE, found.length)));
        setMore(found.length === PAGE);
        setError(null);
      })
      .catch((failure: unknown) => current && setError((failure as Error).message))
      .finally(() => {
        duringSearch = null;
        if (current) setLoading(false);
      });
    const unsubscribe = live.subscribeTasks((changed) => {
      duringSearch?.push(...changed);
      setTasks((list) => mergeTasks(list, changed, filter, Math.max(PAGE, list.length)));
    });
    return () => {
      current = false;
      unsubscribe();
    };
  }, [filter, live]);

  const names = useMemo(() => [...new Set(tasks.map((task) => task.name).filter((name): name is string => name !== null))].sort(), [tasks]);

  /** A select applies at once; the text field on submit. */
  const apply = (next: TaskFilter) => {
    setDraft(next);
    setFilter(next);
  };

  const older = async () => {
    const last = tasks.at(-1);
    if (last === undefined) return;
    try {
      const found = await fetchTasks({ ...filter, limit: PAGE, before: last.updated });
      setTasks((list) => [...list, ...found.filter((task) => !list.some((known) => known.id === task.id))]);
      setMore(found.length === PAGE);
    } catch (failure) {
      setError((failure as Error).message);
    }
  };

  return (
    <section>
      <h1>Tasks</h1>
      <form
        class="search"
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          setFilter(draft);
        }}
      >
        <input name="q" placeholder="id or name" value={draft.q} onInput={(event) => setDraft({ ...draft, q: (event.target as HTMLInputElement).value })} />
        <select name="state" value={draft.state} onChange={(event) => apply({ ...draft, state: (event.target as HTMLSelectElement).value })}>
          <option value="">any state</option>
          {TASK_STATES.map((state) => (
            <option key={state} value={state}>
              {state}
            </option>
          ))}
        </select>
        <select name="name" value={draft.name} onChange={(event) => apply({ ...draft, name: (event.target as HTMLSelectElement).value })}>
          <option value="">any task</option>
          {[...new Set([...names, ...(draft.name ? [draft.name] : [])])].map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
        <button type="submit">Search</button>
        {(filter.q || filter.state || filter.name) && (
          <button
            type="button"
            onClick={() => apply(NO_FILTER)}
          >
            Clear
          </button>
        )}
      </form>
      {error !== null && <p class="error" role="alert">{error}</p>}
      {loading ? <p class="muted">Loading…</p> : <TaskRows tasks={tasks} />}
      {more && !loading && (
        <button class="more" onClick={() => void older()}>
          Older tasks
        </button>
      )}
    </section>
  );
}
