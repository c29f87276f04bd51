/**
 * The tasks running now, by id, each with the way to terminate it: what `revoke` with `terminate`
 * acts on. The async pool's runs abort their `ctx.signal`; a thread or process pool registers its
 * own entries (killing the child).
 */
import { Roster } from './roster.js';

/** One running task as the registry sees it. */
export interface RunningTask {
  readonly id: string;
  readonly name: string;
  /** Stops the task by the means of its pool; `signal` is the name Celery sends (`SIGTERM`, `SIGKILL`…). */
  terminate(signal: string): void;
}

/**
 * Running tasks, found by id. A roster, not a `Map` by id (see roster.ts): a lookup walks the
 * running tasks, which only a revoke with `terminate` does.
 */
export class RunningTasks {
  readonly #tasks = new Roster<RunningTask>();

  /** Adds `task`; returns its slot, to pass to {@link delete}. */
  add(task: RunningTask): number {
    return this.#tasks.add(task);
  }

  /** Removes `task` (another run registered under the same id stays); `slot` spares a search. */
  delete(task: RunningTask, slot?: number): void {
    this.#tasks.delete(task, slot);
  }

  /** The run of `id` registered last. */
  get(id: string): RunningTask | undefined {
    return this.#tasks.findLast((task) => task.id === id);
  }

  get size(): number {
    return this.#tasks.size;
  }
}
