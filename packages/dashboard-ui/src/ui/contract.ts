/**
 * The dashboard's HTTP contract as the page reads it (packages/dashboard serves it). Every JSON body
 * is decoded here: a missing or mistyped field becomes null (or an empty list) instead of breaking a
 * view, and a body that is not an object at all is a {@link ContractError}.
 */

import type { CanvasNode, Overview, Queue, Series, Session, TaskDetail as WireTaskDetail, TaskSummary, Worker } from '../contract.js';

export { TASK_STATES } from '../contract.js';
export type { CanvasNode, Overview, Queue, Series, Session, TaskState, TaskSummary, Worker } from '../contract.js';

/** A task's details as the page keeps them: a canvas tree it cannot read is dropped (null). */
export interface TaskDetail extends Omit<WireTaskDetail, 'tree'> {
  tree: CanvasNode | null;
}

/** A body that does not have the contract's shape. */
export class ContractError extends Error {
  override name = 'ContractError';
}

type Fields = Record<string, unknown>;

function object(value: unknown, what: string): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ContractError(`${what}: expected an object, got ${value === null ? 'null' : typeof value}`);
  return value as Fields;
}
const str = (value: unknown): string | null => (typeof value === 'string' ? value : null);
const num = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);
const bool = (value: unknown): boolean => value === true;
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
/** Items that decode; one bad item is dropped rather than hiding the rest. */
function each<T>(value: unknown, decode: (item: unknown) => T): T[] {
  const out: T[] = [];
  for (const item of list(value)) {
    try {
      out.push(decode(item));
    } catch {
      // an item without the contract's shape (a task without an id) is left out
    }
  }
  return out;
}

export function decodeSession(value: unknown): Session {
  const o = object(value, 'session');
  return { csrfToken: str(o.csrfToken) ?? '', authRequired: bool(o.authRequired), readOnly: bool(o.readOnly) };
}

function decodeWorker(value: unknown): Worker {
  const o = object(value, 'worker');
  const language = o.language === 'python' || o.language === 'typescript' ? o.language : null;
  const loadavg = Array.isArray(o.loadavg) ? o.loadavg.map(num).filter((n): n is number => n !== null) : null;
  return {
    hostname: str(o.hostname) ?? '?',
    online: bool(o.online),
    heartbeatAge: num(o.heartbeatAge),
    language,
    software: str(o.software),
    pool: str(o.pool),
    concurrency: num(o.concurrency),
    active: num(o.active),
    processed: num(o.processed),
    loadavg,
    queues: list(o.queues).map(str).filter((q): q is string => q !== null),
  };
}

function decodeQueue(value: unknown): Queue {
  const o = object(value, 'queue');
  let byPriority: Record<string, number> | null = null;
  if (typeof o.byPriority === 'object' && o.byPriority !== null) {
    byPriority = {};
    for (const [priority, depth] of Object.entries(o.byPriority)) {
      const n = num(depth);
      if (n !== null) byPriority[priority] = n;
    }
  }
  return { name: str(o.name) ?? '?', depth: num(o.depth), byPriority, consumers: num(o.consumers), heldEta: num(o.heldEta), deadLetters: num(o.deadLetters) };
}

export function decodeOverview(value: unknown): Overview {
  const o = object(value, 'overview');
  const t = typeof o.totals === 'object' && o.totals !== null ? (o.totals as Fields) : {};
  return {
    now: num(o.now) ?? Date.now() / 1000,
    workers: each(o.workers, decodeWorker),
    queues: each(o.queues, decodeQueue),
    totals: { received: num(t.received) ?? 0, succeeded: num(t.succeeded) ?? 0, failed: num(t.failed) ?? 0, active: num(t.active) ?? 0 },
  };
}

function decodeSummaryFields(o: Fields): TaskSummary {
  const id = str(o.id);
  if (id === null) throw new ContractError('task: no id');
  return {
    id,
    name: str(o.name),
    state: str(o.state) ?? 'PENDING',
    worker: str(o.worker),
    received: num(o.received),
    started: num(o.started),
    runtime: num(o.runtime),
    args: str(o.args),
    result: str(o.result),
    exception: str(o.exception),
    updated: num(o.updated) ?? 0,
  };
}

export function decodeTasks(value: unknown): TaskSummary[] {
  const o = object(value, 'tasks');
  return each(o.tasks, (item) => decodeSummaryFields(object(item, 'task')));
}

function decodeNode(value: unknown): CanvasNode {
  const o = object(value, 'canvas node');
  const kind = o.kind === 'group' || o.kind === 'chord' || o.kind === 'callback' ? o.kind : 'task';
  return { id: str(o.id) ?? '?', name: str(o.name), state: str(o.state), kind, children: each(o.children, decodeNode) };
}

export function decodeTaskDetail(value: unknown): TaskDetail {
  const o = object(value, 'task');
  let tree: CanvasNode | null = null;
  try {
    tree = o.tree === undefined || o.tree === null ? null : decodeNode(o.tree);
  } catch {
    tree = null;
  }
  return {
    ...decodeSummaryFields(o),
    kwargs: str(o.kwargs),
    traceback: str(o.traceback),
    parentId: str(o.parentId),
    rootId: str(o.rootId),
    groupId: str(o.groupId),
    events: each(o.events, (item) => {
      const e = object(item, 'event');
      return { type: str(e.type) ?? '?', timestamp: num(e.timestamp) ?? 0, hostname: str(e.hostname) };
    }),
    tree,
  };
}

export function decodeSeries(value: unknown): Series {
  const o = object(value, 'series');
  return {
    step: num(o.step) ?? 60,
    throughput: each(o.throughput, (item) => {
      const p = object(item, 'throughput point');
      return { t: num(p.t) ?? 0, succeeded: num(p.succeeded) ?? 0, failed: num(p.failed) ?? 0 };
    }),
    runtime: each(o.runtime, (item) => {
      const r = object(item, 'runtime row');
      return { name: str(r.name) ?? '?', count: num(r.count) ?? 0, p50: num(r.p50) ?? 0, p90: num(r.p90) ?? 0, p99: num(r.p99) ?? 0 };
    }),
    queueDepth: each(o.queueDepth, (item) => {
      const p = object(item, 'depth point');
      return { t: num(p.t) ?? 0, queue: str(p.queue) ?? '?', depth: num(p.depth) ?? 0 };
    }),
  };
}
