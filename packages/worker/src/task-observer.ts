/**
 * Where monitoring (metrics, traces) sees the lifecycle of each task message the worker takes:
 * received, started, then succeeded / failed / retried, or revoked / rejected. Separate from the
 * user hooks (Celery's signals): an observer is synchronous, cannot fail a run, and costs nothing
 * when none is set (the worker holds `undefined`, not an empty fan-out).
 */
import type { Logger, TaskMessage } from '@celerity/core';

/**
 * What the worker tells an observer. Every method is optional and called synchronously; a throw is
 * logged and otherwise ignored. `runtime` is in seconds, as Celery's `task-succeeded` event has it.
 */
export interface TaskObserver {
  /** A decoded message of a registered task arrived (ETA tasks too, before they are held). */
  received?(message: TaskMessage, queue: string): void;
  /** The run takes a concurrency slot and its body is about to start. */
  started?(message: TaskMessage, queue: string): void;
  succeeded?(message: TaskMessage, queue: string, runtime: number): void;
  /** `exception` is the exception's type name (`ValueError`, `TimeLimitExceeded`…). */
  failed?(message: TaskMessage, queue: string, runtime: number, exception: string): void;
  /** The task asked to run again; its retry message is sent. */
  retried?(message: TaskMessage, queue: string, runtime: number): void;
  /** Not run, or stopped: revoked, expired, or terminated while running. */
  revoked?(message: TaskMessage, queue: string, why: 'revoked' | 'expired' | 'terminated'): void;
  /** Not run: undecodable, refused content, or an unregistered task (`message` is null when it could not be decoded). */
  rejected?(message: TaskMessage | null, queue: string): void;
}

type Method = keyof TaskObserver;
const METHODS: readonly Method[] = ['received', 'started', 'succeeded', 'failed', 'retried', 'revoked', 'rejected'];

/**
 * One observer standing for several, each call guarded so a faulty observer neither breaks the run
 * nor silences the others. Undefined when there is nothing to observe, so call sites stay a single
 * optional call.
 * @example
 * const observer = combineObservers([metrics.observer], logger);
 * observer?.started?.(message, queue);
 */
export function combineObservers(observers: readonly TaskObserver[] | undefined, logger: Logger): TaskObserver | undefined {
  if (observers === undefined || observers.length === 0) return undefined;
  const combined: TaskObserver = {};
  for (const method of METHODS) {
    const targets = observers.filter((o) => typeof o[method] === 'function');
    if (targets.length === 0) continue;
    const call = (...args: unknown[]): void => {
      for (const target of targets) {
        try {
          (target[method] as (...a: unknown[]) => void).apply(target, args);
        } catch (error) {
          logger.error(`Task observer failed in ${method}: ${(error as Error).message}`, { error });
        }
      }
    };
    (combined as Record<Method, unknown>)[method] = call;
  }
  return combined;
}

/**
 * Tells the observer how a run ended. A terminated run (reported as revoked when it stopped) and a
 * run cancelled by a shutdown (its message went back to the queue) are not outcomes here.
 */
export function observeOutcome(
  observer: TaskObserver,
  message: TaskMessage,
  queue: string,
  outcome: { kind: 'success' | 'failure' | 'retry' | 'replace'; runtime: number; exception?: { exc_type: string } | null },
): void {
  if (outcome.kind === 'success') observer.succeeded?.(message, queue, outcome.runtime);
  else if (outcome.kind === 'retry') observer.retried?.(message, queue, outcome.runtime);
  else if (outcome.kind === 'failure' && outcome.exception?.exc_type !== 'TaskRevokedError') observer.failed?.(message, queue, outcome.runtime, outcome.exception?.exc_type ?? 'Exception');
}
