/**
 * The canvas tree of a workflow, from what the events and the result backend tell: children by
 * `parent_id`; siblings with the same group id (the result backend's `group_id`) under a `group`
 * node; and a group whose member is the parent of a task outside it — the way a chord's body is sent
 * by its last header task — as a `chord` node: the header members, then the body as a `callback`.
 */
import type { CanvasNode } from './contract.js';

/** What the tree needs of a task. */
export interface TreeTask {
  id: string;
  name: string | null;
  state: string | null;
  parentId: string | null;
  groupId: string | null;
}

/** The tree of `tasks` (one workflow) rooted where `rootId` is; tasks are deduplicated by id. */
export function buildCanvasTree(rootId: string, tasks: readonly TreeTask[]): CanvasNode {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const members = new Map<string, TreeTask[]>();
  for (const task of byId.values()) if (task.groupId !== null) members.set(task.groupId, [...(members.get(task.groupId) ?? []), task]);
  const root = byId.get(rootId);
  // A root that is one member of a group (a group or chord applied on its own: each member is its
  // own root) is not the top: the group is.
  const rootInGroup = root?.groupId != null && (members.get(root.groupId)?.length ?? 0) > 1;
  const childrenOf = new Map<string | null, TreeTask[]>();
  for (const task of byId.values()) {
    const parent = task.parentId !== null && byId.has(task.parentId) && task.parentId !== task.id ? task.parentId : null;
    if (task.id === rootId && !rootInGroup) continue;
    childrenOf.set(parent, [...(childrenOf.get(parent) ?? []), task]);
  }
  // A chord's body: a task whose parent is in a group the task is not in.
  const callbackOf = new Map<string, TreeTask>();
  for (const task of byId.values()) {
    const parent = task.parentId === null ? undefined : byId.get(task.parentId);
    if (parent?.groupId != null && task.groupId !== parent.groupId && (members.get(parent.groupId)?.length ?? 0) > 1 && !callbackOf.has(parent.groupId)) callbackOf.set(parent.groupId, task);
  }
  const callbacks = new Set([...callbackOf.values()].map((t) => t.id));
  const visited = new Set<string>();

  const nodeOf = (task: TreeTask, kind: CanvasNode['kind'] = 'task'): CanvasNode => {
    visited.add(task.id);
    return { id: task.id, name: task.name, state: task.state, kind, children: childNodes(task.id) };
  };
  const childNodes = (parentId: string | null): CanvasNode[] => {
    const nodes: CanvasNode[] = [];
    const grouped = new Map<string, TreeTask[]>();
    for (const child of childrenOf.get(parentId) ?? []) {
      if (visited.has(child.id) || callbacks.has(child.id)) continue;
      if (child.groupId !== null && (members.get(child.groupId)?.length ?? 0) > 1) grouped.set(child.groupId, [...(grouped.get(child.groupId) ?? []), child]);
      else nodes.push(nodeOf(child));
    }
    for (const [groupId, group] of grouped) {
      const header = group.map((member) => nodeOf(member));
      const body = callbackOf.get(groupId);
      if (body !== undefined && !visited.has(body.id)) nodes.push({ id: groupId, name: null, state: null, kind: 'chord', children: [...header, nodeOf(body, 'callback')] });
      else nodes.push({ id: groupId, name: null, state: null, kind: 'group', children: header });
    }
    return nodes;
  };

  if (root !== undefined && !rootInGroup) {
    const node = nodeOf(root);
    // Tasks whose parent is not stored (trimmed, or not heard) hang under the root.
    node.children.push(...childNodes(null));
    return node;
  }
  const top = childNodes(null);
  if (top.length === 1) return top[0]!;
  return { id: rootId, name: null, state: null, kind: 'group', children: top };
}
