/**
 * The tasks running now, by id, each with the way to terminate it: what `revoke` with `terminate`
 * acts on. The async pool's runs abort their `ctx.signal`; a thread or process pool registers its
 * own entries (killing the child).
 */

/** One running task as the registry sees it. */
export interface RunningTask {
  readonly id: string;
  readonly name: string;
  /** Stops the task by the means of its pool; `signal` is the name Celery sends (`SIGTERM`, `SIGKILL`…). */
  terminate(signal: string): void;
}

/** Running tasks by id. */
export class RunningTasks {
  readonly #byId = new Map<string, RunningTask>();

  add(task: RunningTask): void {
    this.#byId.set(task.id, task);
  }

  /** Removes `task` (not another run registered under the same id since). */
  delete(task: RunningTask): void {
    if (this.#byId.get(task.id) === task) this.#byId.delete(task.id);
  }

  get(id: string): RunningTask | undefined {
    return this.#byId.get(id);
  }

  get size(): number {
    return this.#byId.size;
  }
}
