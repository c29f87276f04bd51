/**
 * A task's canvas drawn as nested nodes: the root, its children by parent id, a group's members
 * under a group node, a chord's header under a chord node with its body as a callback node. Task
 * and callback nodes link to their own page; the current task is marked.
 */
import type { CanvasNode } from '../contract.js';
import { stateClass } from '../format.js';
import { taskHref } from '../router.js';

const KIND_LABEL: Record<CanvasNode['kind'], string> = { task: 'task', group: 'group', chord: 'chord', callback: 'chord body' };

function Node({ node, current }: { node: CanvasNode; current: string }) {
  const isTask = node.kind === 'task' || node.kind === 'callback';
  const label = node.name ?? (isTask ? node.id : KIND_LABEL[node.kind]);
  return (
    <li class={`node node-${node.kind}${node.id === current ? ' node-current' : ''}`} data-node={node.id} data-kind={node.kind} data-state={node.state ?? ''}>
      <div class="node-box">
        <span class="node-kind">{KIND_LABEL[node.kind]}</span>
        {isTask ? <a href={taskHref(node.id)}>{label}</a> : <span>{label}</span>}
        {node.state !== null && <span class={stateClass(node.state)}>{node.state}</span>}
        <span class="mono muted small">{node.id.slice(0, 8)}</span>
      </div>
      {node.children.length > 0 && (
        <ul>
          {node.children.map((child) => (
            <Node key={`${child.kind}:${child.id}`} node={child} current={current} />
          ))}
        </ul>
      )}
    </li>
  );
}

export function CanvasTree({ tree, current }: { tree: CanvasNode; current: string }) {
  return (
    <ul class="canvas-tree" aria-label="canvas">
      <Node node={tree} current={current} />
    </ul>
  );
}

/** Every task id in the tree, to know when a stream update concerns this page. */
export function treeIds(tree: CanvasNode | null, into = new Set<string>()): Set<string> {
  if (tree === null) return into;
  into.add(tree.id);
  for (const child of tree.children) treeIds(child, into);
  return into;
}
