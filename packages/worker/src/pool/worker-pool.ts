/**
 * The worker's pool from its configuration: nothing for `async` (bodies run on the worker's event
 * loop, limited by the slot gate), a child pool for `threads` / `processes`, started with the worker
 * and closed when it stops (at once on a forced stop).
 */
import type { Clock, Logger, SerializerRegistry } from '@celerity/core';
import type { WorkerPool } from '../worker-options.js';
import type { ChildPool } from './child-pool.js';
import { createChildPool } from './child-pool.js';
import type { PoolConfig } from './pool-config.js';

/** The pool and its start / close. */
export interface WorkerPoolHandle {
  /** The child pool, or undefined for `async`. */
  readonly children: ChildPool | undefined;
  readonly view: WorkerPool;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** What the pool takes from the worker. */
export interface WorkerPoolDeps {
  clock: Clock;
  logger: Logger;
  serializers: SerializerRegistry;
  /** Aborted on a forced stop: the children are killed then, their tasks abandoned. */
  shutdown: AbortSignal;
}

export function createWorkerPool(config: PoolConfig, deps: WorkerPoolDeps): WorkerPoolHandle {
  if (config.pool === 'async' || config.tasksModule === undefined) {
    return {
      children: undefined,
      view: { kind: 'async', size: config.concurrency, childIds: [], terminate: () => false },
      start: () => Promise.resolve(),
      close: () => Promise.resolve(),
    };
  }
  const children = createChildPool({
    kind: config.pool,
    tasksModule: config.tasksModule,
    min: config.min,
    max: config.concurrency,
    maxTasksPerChild: config.maxTasksPerChild,
    maxMemoryPerChild: config.maxMemoryPerChild,
    clock: deps.clock,
    logger: deps.logger,
    serializers: deps.serializers,
  });
  const view: WorkerPool = {
    kind: config.pool,
    get size() {
      return children.size;
    },
    get childIds() {
      return children.childIds;
    },
    terminate: (taskId, signal) => children.terminate(taskId, signal),
  };
  return {
    children,
    view,
    start: () => {
      deps.shutdown.addEventListener('abort', () => void children.close(), { once: true });
      return children.start();
    },
    close: () => children.close(),
  };
}
