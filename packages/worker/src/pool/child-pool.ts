/**
 * The thread and process pools: children that each run one task at a time, killed and replaced
 * when a task passes its hard time limit or is terminated, recycled after `maxTasksPerChild` tasks
 * or past `maxMemoryPerChild`, and grown or shrunk between `min` and `max` (autoscale).
 *
 * Our own rather than piscina or tinypool: those are thread pools only (the process pool needs
 * the same behaviour over `fork`), and a task's `ctx.updateState` / `ctx.logger` need a two-way
 * conversation with the worker for the length of one run, which their one-call-one-answer tasks
 * would need a side channel for. What is left is small: a list of children and a queue.
 */
import { constants } from 'node:os';
import type { Clock, Logger, SerializerRegistry, TaskDefinition } from '@celerity/core';
import { TimeLimitExceeded } from '@celerity/core';
import { effectiveTimeLimits } from '@celerity/core/internal';
import type { TraceEnvironment, TraceOutcome, TraceRequest } from '@celerity/core/internal';
import type { ChildEvents, ChildHandle, PoolKind } from './child-handle.js';
import { spawnChild } from './child-handle.js';
import type { DoneMessage, FromChild } from './protocol.js';
import { failureOf, fromWire } from './wire-outcome.js';

/** Celery's autoscaler keeps an idle process this long before letting it go. */
export const AUTOSCALE_KEEPALIVE_MS = 30_000;

const JSON_TYPE = 'application/json';

/** What a pooled run needs from the worker: the tracer's request and environment. */
export type PoolRequest = TraceRequest & TraceEnvironment;

/** Options of {@link createChildPool}. */
export interface ChildPoolOptions {
  kind: PoolKind;
  /** Path of the module exporting the tasks, imported by every child. */
  tasksModule: string;
  /** Children kept even when idle. */
  min: number;
  /** Most children at once. */
  max: number;
  /** Replace a child after this many tasks. */
  maxTasksPerChild?: number | undefined;
  /** Replace a child whose memory after a task passed this many KiB. */
  maxMemoryPerChild?: number | undefined;
  /** How long a child above `min` may stay idle before it is let go, ms. @default 30000 */
  keepalive?: number;
  clock: Clock;
  logger: Logger;
  /** Encodes arguments and decodes results (the worker's serializers). */
  serializers: SerializerRegistry;
  /** Starts a child (tests may fake it). @default spawnChild */
  spawn?: (kind: PoolKind, tasksModule: string, events: ChildEvents) => ChildHandle;
}

/** A thread or process pool. */
export interface ChildPool {
  readonly kind: PoolKind;
  /** Children alive or starting. */
  readonly size: number;
  /** Children running a task. */
  readonly busy: number;
  /** Ids (pid or thread id) of the children alive or starting. */
  readonly childIds: readonly number[];
  /** Starts `min` children; rejects if the tasks module cannot be loaded. */
  start(): Promise<void>;
  /** Runs a task in a child; never rejects. */
  trace(definition: TaskDefinition, request: PoolRequest, contentType: string): Promise<TraceOutcome>;
  /**
   * Kills the child running task `taskId` with `signal` (a thread is terminated whatever the
   * signal) and starts another; the run ends as a failure `Terminated`. A run still waiting for a
   * child ends the same way without starting. False if the pool has no such run.
   */
  terminate(taskId: string, signal?: NodeJS.Signals): boolean;
  /** The id (pid or thread id) of the child running task `taskId`, if one is. */
  childRunning(taskId: string): number | undefined;
  /** Children kept when idle, and most children at once, now. */
  readonly min: number;
  readonly max: number;
  /**
   * Changes the range (`pool_grow` / `pool_shrink` / `autoscale`): up to `min` children start now,
   * idle ones above `max` leave now, busy ones above it once their task is done.
   */
  resize(min: number, max: number): void;
  /** Kills every child. Runs still going never settle: their messages go back to the broker. */
  close(): Promise<void>;
}

interface Run {
  definition: TaskDefinition;
  request: PoolRequest;
  contentType: string;
  resolve(outcome: TraceOutcome): void;
}

interface Active extends Run {
  seq: number;
  started: number;
  timers: unknown[];
  /** Set once the run's outcome was given (the child is being killed for it). */
  ended: boolean;
}

interface Child {
  handle: ChildHandle | null;
  ready: boolean;
  contentTypes: readonly string[];
  active: Active | null;
  tasks: number;
  idleTimer: unknown;
  /** Why the pool itself ends this child (an exit without it is a lost worker). */
  ending: boolean;
}

/**
 * @example
 * const pool = createChildPool({ kind: 'processes', tasksModule: '/app/tasks.js', min: 2, max: 2, clock, logger, serializers });
 * await pool.start();
 */
export function createChildPool(options: ChildPoolOptions): ChildPool {
  const { kind, tasksModule, clock, logger, serializers } = options;
  let min = Math.max(0, options.min);
  let max = Math.max(1, options.max, min);
  const keepalive = options.keepalive ?? AUTOSCALE_KEEPALIVE_MS;
  const spawn = options.spawn ?? spawnChild;
  const children = new Set<Child>();
  const waiting: Run[] = [];
  let seq = 0;
  let closing = false;
  let firstReady: { resolve(): void; reject(error: Error): void } | null = null;

  const now = (): number => performance.now();

  const clearTimers = (active: Active): void => {
    for (const timer of active.timers) clock.clearTimeout(timer);
    active.timers = [];
  };

  const end = (active: Active, outcome: TraceOutcome): void => {
    if (active.ended) return;
    active.ended = true;
    clearTimers(active);
    active.resolve(outcome);
  };

  /** Ends a child the pool no longer wants (recycled, timed out, terminated, idle, closing). */
  const retire = (child: Child, signal?: NodeJS.Signals): void => {
    child.ending = true;
    if (child.idleTimer !== undefined) clock.clearTimeout(child.idleTimer);
    child.idleTimer = undefined;
    child.handle?.kill(signal);
  };

  const spawnOne = (): Child => {
    const child: Child = { handle: null, ready: false, contentTypes: [JSON_TYPE], active: null, tasks: 0, idleTimer: undefined, ending: false };
    children.add(child);
    child.handle = spawn(kind, tasksModule, {
      message: (message) => onMessage(child, message),
      exit: (code, signal) => onExit(child, code, signal),
    });
    return child;
  };

  /** Keeps `min` children, and one more per run waiting while none is starting for it, up to `max`. */
  const fill = (): void => {
    if (closing) return;
    let starting = 0;
    for (const child of children) if (!child.ready && !child.ending) starting++;
    while (children.size < min) {
      spawnOne();
      starting++;
    }
    while (children.size < max && waiting.length > starting) {
      spawnOne();
      starting++;
    }
  };

  const dispatch = (child: Child): void => {
    const run = waiting.shift();
    if (run === undefined) {
      // Above `min`, an idle child leaves after the keepalive (autoscale shrinking).
      if (children.size > min && child.idleTimer === undefined) child.idleTimer = clock.setTimeout(() => idleTimeout(child), keepalive);
      return;
    }
    if (child.idleTimer !== undefined) clock.clearTimeout(child.idleTimer);
    child.idleTimer = undefined;
    const contentType = child.contentTypes.includes(run.contentType) ? run.contentType : JSON_TYPE;
    const active: Active = { ...run, contentType, seq: seq++, started: now(), timers: [], ended: false };
    child.active = active;
    const { request } = run;
    let body: Uint8Array;
    try {
      body = serializers.get(contentType).encode([request.args, request.kwargs]);
    } catch (error) {
      child.active = null;
      run.resolve(failureOf('EncodeError', 'kombu.exceptions', [(error as Error).message], 0));
      dispatch(child);
      return;
    }
    const [hard, soft] = effectiveTimeLimits(run.definition, request, request);
    if (soft !== null) {
      active.timers.push(
        clock.setTimeout(() => {
          logger.warn(`Soft time limit (${soft}s) exceeded for ${request.name}[${request.id}]`);
          child.handle?.send({ t: 'soft', seq: active.seq });
        }, soft * 1000),
      );
    }
    if (hard !== null) {
      active.timers.push(
        clock.setTimeout(() => {
          logger.error(`Hard time limit (${hard}s) exceeded for ${request.name}[${request.id}]`);
          const error = new TimeLimitExceeded(hard);
          end(active, { kind: 'failure', exception: { exc_type: 'TimeLimitExceeded', exc_message: [hard], exc_module: 'billiard.exceptions' }, traceback: null, error, runtime: (now() - active.started) / 1000 });
          retire(child);
        }, hard * 1000),
      );
    }
    child.handle?.send({
      t: 'run',
      seq: active.seq,
      name: request.name,
      body,
      contentType,
      id: request.id,
      retries: request.retries,
      rootId: request.rootId,
      parentId: request.parentId,
      groupId: request.groupId,
      hostname: request.hostname,
      queue: request.queue,
    });
  };

  const idleTimeout = (child: Child): void => {
    child.idleTimer = undefined;
    // Children already ending still count in `children` until they exit: count only the others,
    // or keepalives that run out together would retire every idle child, `min` ones included.
    let staying = 0;
    for (const other of children) if (!other.ending) staying++;
    if (child.active === null && !child.ending && staying > min) retire(child);
  };

  const onDone = (child: Child, message: DoneMessage): void => {
    const active = child.active;
    if (active === null || active.seq !== message.seq) return;
    child.active = null;
    // Done just as the pool was ending it (time limit, terminate): its outcome was given already.
    if (child.ending) return;
    child.tasks++;
    let outcome: TraceOutcome;
    try {
      outcome = fromWire(message.outcome, (bytes) => serializers.get(active.contentType).decode(bytes));
    } catch (error) {
      outcome = failureOf('DecodeError', 'kombu.exceptions', [(error as Error).message], message.outcome.runtime);
    }
    end(active, outcome);
    const tooMany = options.maxTasksPerChild !== undefined && child.tasks >= options.maxTasksPerChild;
    const tooBig = options.maxMemoryPerChild !== undefined && message.memory > options.maxMemoryPerChild;
    if (tooMany || tooBig) {
      logger.info(`Pool child ${child.handle?.id ?? '?'} replaced: ${tooMany ? `it ran ${child.tasks} tasks` : `its memory reached ${message.memory} KiB`}`);
      retire(child);
      return;
    }
    dispatch(child);
  };

  const onMessage = (child: Child, message: FromChild): void => {
    switch (message.t) {
      case 'ready':
        child.ready = true;
        child.contentTypes = message.contentTypes;
        firstReady?.resolve();
        firstReady = null;
        if (!child.ending) dispatch(child);
        return;
      case 'load-failed': {
        child.ending = true;
        const error = new Error(`the pool's tasks module ${tasksModule} could not be loaded: ${message.message}`);
        logger.error(error.message);
        firstReady?.reject(error);
        firstReady = null;
        // Nothing can run until a child loads it: the runs waiting fail rather than wait for ever.
        for (const run of waiting.splice(0)) run.resolve(failureOf('ImportError', 'builtins', [error.message], 0));
        return;
      }
      case 'log':
        logger[message.level](message.message);
        return;
      case 'state': {
        const active = child.active;
        if (active === null || active.seq !== message.seq) return;
        const meta = serializers.get(active.contentType).decode(message.meta);
        active.request.updateState(message.state, meta).then(
          () => child.handle?.send({ t: 'state-done', req: message.req, error: null }),
          (error: unknown) => child.handle?.send({ t: 'state-done', req: message.req, error: (error as Error).message }),
        );
        return;
      }
      case 'done':
        onDone(child, message);
        return;
    }
  };

  const onExit = (child: Child, code: number | null, signal: NodeJS.Signals | null): void => {
    children.delete(child);
    if (child.idleTimer !== undefined) clock.clearTimeout(child.idleTimer);
    const active = child.active;
    child.active = null;
    if (closing) return;
    if (active !== null && !active.ended) {
      // Not ended by the pool: the child died under the task (Celery's WorkerLostError).
      const how = signal !== null ? `signal ${constants.signals[signal]} (${signal})` : `exitcode ${String(code)}`;
      logger.error(`Pool child ${child.handle?.id ?? '?'} running ${active.request.name}[${active.request.id}] exited prematurely: ${how}`);
      end(active, failureOf('WorkerLostError', 'billiard.exceptions', [`Worker exited prematurely: ${how} Job: ${active.seq}.`], (now() - active.started) / 1000));
    }
    // A child that never got ready and failed to load is not replaced until a run asks for one.
    if (!child.ready && waiting.length === 0 && child.ending) return;
    fill();
  };

  return {
    kind,
    get size() {
      return children.size;
    },
    get busy() {
      let n = 0;
      for (const child of children) if (child.active !== null) n++;
      return n;
    },
    get childIds() {
      return [...children].filter((c) => !c.ending).map((c) => c.handle?.id ?? -1);
    },
    childRunning(taskId) {
      for (const child of children) if (child.active?.request.id === taskId && !child.active.ended) return child.handle?.id;
      return undefined;
    },
    get min() {
      return min;
    },
    get max() {
      return max;
    },
    resize(newMin, newMax) {
      min = Math.max(0, Math.floor(newMin));
      max = Math.max(1, Math.floor(newMax), min);
      let alive = [...children].filter((c) => !c.ending).length;
      for (const child of children) {
        if (alive <= max) break;
        if (child.ending || child.active !== null) continue;
        retire(child);
        alive--;
      }
      fill();
    },
    start() {
      if (min === 0) return Promise.resolve();
      const ready = new Promise<void>((resolve, reject) => {
        firstReady = { resolve, reject };
      });
      fill();
      return ready;
    },
    trace(definition, request, contentType) {
      return new Promise<TraceOutcome>((resolve) => {
        if (closing) return;
        waiting.push({ definition, request, contentType, resolve });
        for (const child of children) {
          if (child.ready && child.active === null && !child.ending) {
            dispatch(child);
            return;
          }
        }
        fill();
      });
    },
    terminate(taskId, signal = 'SIGTERM') {
      for (const child of children) {
        const active = child.active;
        if (active === null || active.ended || active.request.id !== taskId) continue;
        logger.warn(`Terminating ${active.request.name}[${taskId}] (${signal}): its pool child ${child.handle?.id ?? '?'} is killed and replaced`);
        end(active, failureOf('Terminated', 'billiard.exceptions', [signal], (now() - active.started) / 1000));
        retire(child, signal);
        return true;
      }
      // Not on a child yet: it never starts.
      const index = waiting.findIndex((run) => run.request.id === taskId);
      if (index === -1) return false;
      const [run] = waiting.splice(index, 1);
      run!.resolve(failureOf('Terminated', 'billiard.exceptions', [signal], 0));
      return true;
    },
    async close() {
      closing = true;
      const exits = [...children].map(
        (child) =>
          new Promise<void>((resolve) => {
            const poll = (): void => (children.has(child) ? void setTimeout(poll, 10) : resolve());
            poll();
          }),
      );
      for (const child of children) retire(child);
      await Promise.all(exits);
    },
  };
}
