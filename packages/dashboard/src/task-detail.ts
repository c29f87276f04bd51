/** One task with its events and its workflow's canvas tree (`GET /api/tasks/<id>`). */
import type { ResultBackend } from '@celerity/core';
import { buildCanvasTree, type TreeTask } from './canvas-tree.js';
import type { TaskDetail } from './contract.js';
import type { DashboardStore } from './store.js';
import { getTask, summaryOf, taskEvents, workflowTasks } from './store-queries.js';

/** Most tasks of a workflow whose group id is asked of the result backend. */
const BACKEND_LOOKUPS = 200;

export async function readTaskDetail(store: DashboardStore, backend: ResultBackend | null, id: string): Promise<TaskDetail | null> {
  const task = await getTask(store, id);
  if (task === null) return null;
  const rootId = task.rootId ?? task.id;
  const [events, members] = await Promise.all([taskEvents(store, id), workflowTasks(store, rootId)]);
  if (!members.some((m) => m.id === task.id)) members.push(task);
  // Events carry no group id; the result backend's record does (`group_id`), when there is one.
  const metas = backend === null ? [] : await Promise.all(members.slice(0, BACKEND_LOOKUPS).map((m) => backend.get(m.id).catch(() => null)));
  const groupOf = new Map<string, string>();
  const parentOf = new Map<string, string>();
  metas.forEach((meta, i) => {
    if (meta?.group_id) groupOf.set(members[i]!.id, meta.group_id);
    if (meta?.parent_id) parentOf.set(members[i]!.id, meta.parent_id);
  });
  const tree: TreeTask[] = members.map((m) => ({ id: m.id, name: m.name, state: m.state, parentId: m.parentId ?? parentOf.get(m.id) ?? null, groupId: groupOf.get(m.id) ?? null }));
  return {
    ...summaryOf(task),
    kwargs: task.kwargs,
    traceback: task.traceback,
    parentId: task.parentId ?? parentOf.get(task.id) ?? null,
    rootId: task.rootId,
    groupId: groupOf.get(task.id) ?? null,
    events,
    tree: buildCanvasTree(rootId, tree),
  };
}
