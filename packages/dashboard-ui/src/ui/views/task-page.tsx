/**
 * `#/tasks/<id>`: the task's details, its traceback, its events, its canvas tree, and its actions
 * (revoke, terminate, retry). Fetched again when the stream reports a change to it or to a task of
 * its canvas (at most every half second).
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ActionButton } from '../actions.js';
import { fetchTask } from '../api.js';
import type { TaskDetail } from '../contract.js';
import { formatDateTime, formatDuration, stateClass } from '../format.js';
import type { LiveStore } from '../live-store.js';
import { taskHref } from '../router.js';
import { CanvasTree, treeIds } from './canvas-tree.js';

const REFETCH_MS = 500;
const FINISHED = new Set(['SUCCESS', 'FAILURE', 'REVOKED', 'REJECTED']);

function TaskActions({ task }: { task: TaskDetail }) {
  const name = task.name ?? task.id;
  const running = !FINISHED.has(task.state);
  return (
    <div class="actions">
      {running && (
        <ActionButton label="Revoke" request={{ action: 'revoke', title: `Revoke ${name}`, description: `Workers will not run task ${task.id}; if it is already running, it runs on (use Terminate to stop it).`, body: { taskId: task.id }, confirmLabel: 'Revoke' }} />
      )}
      {running && (
        <ActionButton
          danger
          label="Terminate"
          request={{ action: 'revoke', title: `Terminate ${name}`, description: `Revokes task ${task.id} and stops it where it runs (signal SIGTERM).`, body: { taskId: task.id, terminate: true, signal: 'SIGTERM' }, confirmLabel: 'Terminate' }}
        />
      )}
      {task.name !== null && (
        <ActionButton
          label="Rate limit"
          request={{
            action: 'rate-limit',
            title: `Rate limit ${task.name}`,
            description: `Sets the rate limit of ${task.name} on every worker (Celery's rate_limit command).`,
            body: { taskName: task.name },
            inputs: [{ key: 'rate', label: 'Rate (e.g. 10/s, 100/m)', initial: '10/s', kind: 'text', required: true }],
            confirmLabel: 'Set rate limit',
          }}
        />
      )}
      {task.state === 'FAILURE' && (
        <ActionButton label="Retry" request={{ action: 'retry', title: `Retry ${name}`, description: `Sends ${name} again with the same arguments and queue, under a new id.`, body: { taskId: task.id }, confirmLabel: 'Retry' }} />
      )}
    </div>
  );
}

function Field({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </>
  );
}

export function TaskPage({ id, live }: { id: string; live: LiveStore }) {
  const [task, setTask] = useState<TaskDetail | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let current = true;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let ids = new Set([id]);
    const load = () => {
      timer = null;
      fetchTask(id)
        .then((found) => {
          if (!current) return;
          setTask(found);
          setError(null);
          ids = treeIds(found?.tree ?? null, new Set([id]));
        })
        .catch((failure: unknown) => current && setError((failure as Error).message));
    };
    load();
    const unsubscribe = live.subscribeTasks((changed) => {
      if (timer === null && changed.some((summary) => ids.has(summary.id))) timer = setTimeout(load, REFETCH_MS);
    });
    return () => {
      current = false;
      if (timer !== null) clearTimeout(timer);
      unsubscribe();
    };
  }, [id, live]);

  if (error !== null && task === undefined) return <p class="error" role="alert">{error}</p>;
  if (task === undefined) return <p class="muted">Loading…</p>;
  if (task === null)
    return (
      <section>
        <h1>Task {id}</h1>
        <p class="muted">This dashboard has no record of that task (yet).</p>
      </section>
    );
  return (
    <section class="task-page" data-task={task.id} data-state={task.state}>
      <h1>
        {task.name ?? 'task'} <span class={stateClass(task.state)}>{task.state}</span>
      </h1>
      <TaskActions task={task} />
      <dl class="details">
        <Field label="Id">
          <span class="mono">{task.id}</span>
        </Field>
        <Field label="Worker">{task.worker ?? '—'}</Field>
        <Field label="Received">{formatDateTime(task.received)}</Field>
        <Field label="Started">{formatDateTime(task.started)}</Field>
        <Field label="Runtime">{formatDuration(task.runtime)}</Field>
        <Field label="Args">
          <code>{task.args ?? '—'}</code>
        </Field>
        <Field label="Kwargs">
          <code>{task.kwargs ?? '—'}</code>
        </Field>
        <Field label="Result">
          <code>{task.result ?? '—'}</code>
        </Field>
        {task.exception !== null && (
          <Field label="Exception">
            <code class="exception">{task.exception}</code>
          </Field>
        )}
        {task.parentId !== null && (
          <Field label="Parent">
            <a href={taskHref(task.parentId)}>{task.parentId}</a>
          </Field>
        )}
        {task.rootId !== null && task.rootId !== task.id && (
          <Field label="Root">
            <a href={taskHref(task.rootId)}>{task.rootId}</a>
          </Field>
        )}
        {task.groupId !== null && <Field label="Group">{task.groupId}</Field>}
      </dl>
      {task.traceback !== null && (
        <>
          <h2>Traceback</h2>
          <pre class="traceback">{task.traceback}</pre>
        </>
      )}
      {task.tree !== null && (
        <>
          <h2>Canvas</h2>
          <CanvasTree tree={task.tree} current={task.id} />
        </>
      )}
      <h2>Events</h2>
      <table class="events">
        <tbody>
          {task.events.map((event, i) => (
            <tr key={i}>
              <td>{formatDateTime(event.timestamp)}</td>
              <td>{event.type}</td>
              <td>{event.hostname ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {error !== null && <p class="error" role="alert">{error}</p>}
    </section>
  );
}
