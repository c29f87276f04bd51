/**
 * The client side of `rpc://` without the AMQP part: the latest state seen per task id (bounded,
 * oldest first out, never one somebody waits for) and the waiters for ready states. States arrive
 * for ids nobody waits on yet all the time (results come back faster than `get()` is called), so
 * they are kept for a later `wait` / `get`.
 */
import { READY_STATES, TimeoutError } from '@celerity/core';
import type { ResultMeta, WaitOptions } from '@celerity/core';
import { replacesState } from './rpc-codec.js';

interface Waiter {
  resolve: (meta: ResultMeta) => void;
  reject: (error: unknown) => void;
  onState: ((meta: ResultMeta) => void) | undefined;
}

/** Latest states and their waiters; see the module comment. */
export class ResultStates {
  private readonly states = new Map<string, ResultMeta>();
  private readonly waiters = new Map<string, Set<Waiter>>();

  constructor(private readonly max: number) {}

  /** A copy of the latest state of a task, or null. */
  get(taskId: string): ResultMeta | null {
    const meta = this.states.get(taskId);
    return meta === undefined ? null : structuredClone(meta);
  }

  /** Forgets a task's state. */
  delete(taskId: string): void {
    this.states.delete(taskId);
  }

  /** Takes in a received state: keeps it (see `replacesState`) and wakes the task's waiters. */
  receive(meta: ResultMeta): void {
    const id = meta.task_id;
    if (!replacesState(this.states.get(id), meta)) return;
    this.states.delete(id);
    this.states.set(id, meta);
    this.evict();
    const waiters = this.waiters.get(id);
    if (waiters === undefined) return;
    if (READY_STATES.has(meta.status)) {
      this.waiters.delete(id);
      for (const waiter of waiters) waiter.resolve(structuredClone(meta));
      return;
    }
    for (const waiter of waiters) {
      if (waiter.onState === undefined) continue;
      try {
        waiter.onState(structuredClone(meta));
      } catch {
        // A throwing progress callback must not break delivery to the other waiters.
      }
    }
  }

  private evict(): void {
    if (this.states.size <= this.max) return;
    for (const id of this.states.keys()) {
      if (this.states.size <= this.max) return;
      if (!this.waiters.has(id)) this.states.delete(id);
    }
  }

  /**
   * Resolves with the task's ready state: at once when it is known, else when it arrives. Rejects
   * with `TimeoutError` after `timeout`, with the signal's reason on abort.
   */
  wait(taskId: string, options: WaitOptions = {}): Promise<ResultMeta> {
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const known = this.states.get(taskId);
    if (known !== undefined && READY_STATES.has(known.status)) return Promise.resolve(structuredClone(known));
    return new Promise<ResultMeta>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const cleanup = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const set = this.waiters.get(taskId);
        set?.delete(waiter);
        if (set?.size === 0) this.waiters.delete(taskId);
      };
      const waiter: Waiter = {
        resolve: (meta) => {
          cleanup();
          resolve(meta);
        },
        reject: (error) => {
          cleanup();
          reject(error);
        },
        onState: options.onState,
      };
      const onAbort = (): void => waiter.reject(signal?.reason);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (options.timeout !== undefined) {
        timer = setTimeout(() => waiter.reject(new TimeoutError(`No result for task ${taskId} within ${options.timeout} s`)), options.timeout * 1000);
      }
      let set = this.waiters.get(taskId);
      if (set === undefined) this.waiters.set(taskId, (set = new Set()));
      set.add(waiter);
      if (known !== undefined && waiter.onState !== undefined) waiter.onState(structuredClone(known));
    });
  }

  /** Rejects the waiters of one task (e.g. its reply queue could not be consumed). */
  fail(taskId: string, error: unknown): void {
    for (const waiter of [...(this.waiters.get(taskId) ?? [])]) waiter.reject(error);
  }

  /** Rejects every waiter (the backend is closing). */
  failAll(error: unknown): void {
    for (const set of [...this.waiters.values()]) for (const waiter of [...set]) waiter.reject(error);
    this.waiters.clear();
  }

  /** Ids somebody is waiting for. */
  waitedIds(): string[] {
    return [...this.waiters.keys()];
  }
}
