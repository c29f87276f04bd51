/**
 * Start-up connection retry, Celery's `broker_connection_retry_on_startup` /
 * `broker_connection_max_retries`: a worker started while its broker is down logs one line per
 * failed attempt and tries again after a growing delay (kombu's `ensure_connection`: 2 s, 4 s,
 * 6 s… up to 30 s), until it connects or runs out of attempts. Only retryable errors are retried:
 * a refused password or a missing vhost fails the same way every time, so it fails at once.
 */
import { CelerityError, ConnectionError } from '@celerity/core';
import type { Clock, Logger } from '@celerity/core';

/** Options of {@link connectWithRetry}. */
export interface ConnectRetryOptions {
  /** Attempts after the first; `Infinity` retries for ever, 0 not at all. */
  retries: number;
  /** Delay before the first retry, and what each further retry adds (ms). */
  delay: number;
  /** Longest delay between two attempts (ms). */
  maxDelay: number;
  clock: Clock;
  logger: Logger;
  /** Aborted by `stop()` during start-up: the wait ends and the start fails with the reason. */
  signal: AbortSignal;
}

/** The delay before retry number `retry` (1-based): `delay × retry`, at most `maxDelay`. */
export function retryDelay(retry: number, delay: number, maxDelay: number): number {
  return Math.min(delay * retry, maxDelay);
}

/** Whether trying again may help: a `CelerityError` that says so (connection loss, a timeout). */
function isTransient(error: unknown): error is CelerityError {
  return error instanceof CelerityError && error.retryable;
}

function sleep(ms: number, clock: Clock, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clock.clearTimeout(handle);
      reject(signal.reason instanceof Error ? signal.reason : new ConnectionError('start-up aborted'));
    };
    const handle = clock.setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `attempt` until it succeeds. A retryable failure is logged as
 * `Cannot connect to <target>: <reason>. Trying again in 2.00 seconds... (1/100)` and retried after
 * {@link retryDelay}; when the retries run out the start fails with a `ConnectionError` naming the
 * last reason. Any other error (a `ConfigurationError` such as a refused password) is thrown at once.
 * `target` names what failed (a redacted URL) for the error passed to it.
 * @example
 * await connectWithRetry(() => broker.connect(), () => 'redis://localhost:6379//', { retries: 100, delay: 2000, maxDelay: 30_000, clock, logger, signal });
 */
export async function connectWithRetry(attempt: () => Promise<void>, target: (error: CelerityError) => string, options: ConnectRetryOptions): Promise<void> {
  const { retries, logger } = options;
  const limit = Number.isFinite(retries) ? String(retries) : '∞';
  for (let retry = 1; ; retry++) {
    try {
      await attempt();
      return;
    } catch (error) {
      if (options.signal.aborted || !isTransient(error)) throw error;
      const where = target(error);
      if (retry > retries) {
        const tried = retries === 0 ? 'not retrying on start-up' : `gave up after ${retries + 1} attempts`;
        throw new ConnectionError(`Cannot connect to ${where} (${tried}): ${error.message}`, { cause: error });
      }
      const ms = retryDelay(retry, options.delay, options.maxDelay);
      logger.warn(`Cannot connect to ${where}: ${error.message}. Trying again in ${(ms / 1000).toFixed(2)} seconds... (${retry}/${limit})`, { error });
      await sleep(ms, options.clock, options.signal);
    }
  }
}
