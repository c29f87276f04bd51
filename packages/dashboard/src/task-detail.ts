/** One task with its events and its workflow's canvas tree (`GET /api/tasks/<id>`). */
import type { ResultBackend, ResultMeta } from '@celerity/core';
import { buildCanvasTree, type TreeTask } from './canvas-tree.js';
import type { TaskDetail } from './contract.js';
import type { DashboardStore } from './store.js';
import { getTask, readTasks, summaryOf, taskEvents, workflowTasks, type StoredTask } from './store-queries.js';

/** Most tasks of a workflow whose record is asked of the result backend. */
const BACKEND_LOOKUPS = 200;
/** Groups of a workflow whose other members are looked for. */
const GROUP_LOOKUPS = 3;
/** A group's members applied on their own are looked for among the root tasks updated this close (s). */
const PEER_WINDOW = 120;
const PEER_CANDIDATES = 500;

/**
 * The other members of a group, with their workflows: the group as saved in the backend (groups the
 * client applied), else the root tasks updated near `around` whose backend record has that group id
 * (a chord's header members are each their own root).
 */
async function groupPeers(store: DashboardStore, backend: ResultBackend, groupId: string, around: number, known: ReadonlySet<string>): Promise<StoredTask[]> {
  const saved = await backend.getGroup(groupId).catch(() => null);
  let ids: string[];
  if (saved !== null) ids = saved.filter((id) => !known.has(id));
  else {
    const near = await store.redis.zrangebyscore(store.keys.tasks, around - PEER_WINDOW, around + PEER_WINDOW, 'LIMIT', 0, PEER_CANDIDATES);
    const roots = (await readTasks(store, near.filter((id) => !known.has(id)))).filter((t) => t.parentId === null);
    const metas = await Promise.all(roots.map((t) => backend.get(t.id).catch(() => null)));
    ids = roots.filter((_, i) => metas[i]?.group_id === groupId).map((t) => t.id);
  }
  const peers = await readTasks(store, ids);
  const workflows = await Promise.all(peers.map((p) => workflowTasks(store, p.rootId ?? p.id)));
  return [...peers, ...workflows.flat()];
}

export async function readTaskDetail(store: DashboardStore, backend: ResultBackend | null, id: string): Promise<TaskDetail | null> {
  const task = await getTask(store, id);
  if (task === null) return null;
  const rootId = task.rootId ?? task.id;
  const [events, workflow] = await Promise.all([taskEvents(store, id), workflowTasks(store, rootId)]);
  const members = new Map(workflow.map((m) => [m.id, m]));
  members.set(task.id, task);
  // Events carry no group id; the result backend's record does (`group_id`), when there is one.
  const metas = new Map<string, ResultMeta | null>();
  const lookUp = async (): Promise<void> => {
    const missing = [...members.keys()].filter((m) => !metas.has(m)).slice(0, Math.max(0, BACKEND_LOOKUPS - metas.size));
    const found = await Promise.all(missing.map((m) => backend!.get(m).catch(() => null)));
    missing.forEach((m, i) => metas.set(m, found[i] ?? null));
  };
  if (backend !== null) {
    await lookUp();
    const groups = new Map<string, number>();
    for (const [memberId, meta] of metas) if (meta?.group_id && !groups.has(meta.group_id)) groups.set(meta.group_id, members.get(memberId)?.updated ?? task.updated);
    for (const [groupId, around] of [...groups].slice(0, GROUP_LOOKUPS)) {
      for (const peer of await groupPeers(store, backend, groupId, around, new Set(members.keys()))) members.set(peer.id, peer);
    }
    await lookUp();
  }
  const groupOf = (memberId: string): string | null => metas.get(memberId)?.group_id ?? null;
  const parentOf = (m: StoredTask): string | null => m.parentId ?? metas.get(m.id)?.parent_id ?? null;
  const tree: TreeTask[] = [...members.values()].map((m) => ({ id: m.id, name: m.name, state: m.state, parentId: parentOf(m), groupId: groupOf(m.id) }));
  return {
    ...summaryOf(task),
    kwargs: task.kwargs,
    traceback: task.traceback,
    parentId: parentOf(task),
    rootId: task.rootId,
    groupId: groupOf(task.id),
    events,
    tree: buildCanvasTree(rootId, tree),
  };
}
