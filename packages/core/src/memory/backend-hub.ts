/**
 * The shared store behind memory result backends: records, groups, chord counters and waiters of one
 * named hub, so `memory://name` backends created separately in one process see the same results.
 */
import type { ChordPart, ResultMeta } from '../backend.js';
import { EncodeError } from '../errors.js';

/** Someone waiting for a task's result; `notify` sees every stored state. */
export interface Waiter {
  notify(meta: ResultMeta): void;
}

interface Expiring<T> {
  value: T;
  /** Epoch ms after which the entry is gone; null = never. */
  expiresAt: number | null;
}

/** A chord's header size and the parts seen so far. */
export interface ChordState {
  size: number;
  parts: Map<string, ChordPart>;
  /** Set by the one call that saw the last part; later duplicates never complete it again. */
  completed: boolean;
}

/** Structured copy, so a result the task mutates later cannot change what was stored. */
export function cloneValue<T>(value: T, what: string): T {
  try {
    return structuredClone(value);
  } catch (cause) {
    throw new EncodeError(`${what} cannot be stored by the memory backend (functions, symbols?)`, { cause });
  }
}

/** One named result store. */
export class BackendHub {
  readonly #records = new Map<string, Expiring<ResultMeta>>();
  readonly #groups = new Map<string, Expiring<string[]>>();
  readonly chords = new Map<string, ChordState>();
  readonly #waiters = new Map<string, Set<Waiter>>();

  getRecord(taskId: string): ResultMeta | null {
    return this.#live(this.#records, taskId);
  }

  setRecord(meta: ResultMeta, expiresAt: number | null): void {
    this.#records.set(meta.task_id, { value: meta, expiresAt });
    const waiters = this.#waiters.get(meta.task_id);
    if (!waiters) return;
    // Each waiter gets its own copy, on a microtask, so a waiter's callback never runs inside store().
    for (const waiter of [...waiters]) {
      const copy = structuredClone(meta);
      queueMicrotask(() => waiter.notify(copy));
    }
  }

  deleteRecord(taskId: string): void {
    this.#records.delete(taskId);
  }

  getGroup(groupId: string): string[] | null {
    return this.#live(this.#groups, groupId);
  }

  setGroup(groupId: string, taskIds: string[], expiresAt: number | null): void {
    this.#groups.set(groupId, { value: taskIds, expiresAt });
  }

  deleteGroup(groupId: string): void {
    this.#groups.delete(groupId);
  }

  addWaiter(taskId: string, waiter: Waiter): void {
    let set = this.#waiters.get(taskId);
    if (!set) {
      set = new Set();
      this.#waiters.set(taskId, set);
    }
    set.add(waiter);
  }

  removeWaiter(taskId: string, waiter: Waiter): void {
    const set = this.#waiters.get(taskId);
    if (!set) return;
    set.delete(waiter);
    if (set.size === 0) this.#waiters.delete(taskId);
  }

  #live<T>(map: Map<string, Expiring<T>>, key: string): T | null {
    const entry = map.get(key);
    if (!entry) return null;
    if (entry.expiresAt !== null && entry.expiresAt <= Date.now()) {
      map.delete(key);
      return null;
    }
    return entry.value;
  }
}

const hubs = new Map<string, BackendHub>();

/**
 * The process-wide store of that name. Results are data, so unlike broker hubs these are kept for
 * the life of the process (bound them with the `expires` option).
 */
export function backendHub(name: string): BackendHub {
  let hub = hubs.get(name);
  if (!hub) {
    hub = new BackendHub();
    hubs.set(name, hub);
  }
  return hub;
}
