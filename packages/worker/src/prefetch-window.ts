/**
 * The worker's prefetch window: how many messages it may hold unacked. ETA tasks stay unacked until
 * they are due, so the window widens by the number held (else they would starve the queue), up to
 * the ETA task limit, Celery 5.6's `worker_eta_task_limit`.
 */
import { ConfigurationError } from '@celerity/core';

/**
 * The window with `held` ETA tasks held. Like Celery's `QoS(max_prefetch=worker_eta_task_limit)`, the
 * limit caps the whole window (every unacked message, ETA or not): the ETA tasks held can never be
 * more than it, and once they reach it nothing more is taken from the broker until one is released.
 * Unlike Celery, the cap holds from the start, not only from the first ETA task on: a worker that
 * starts on a queue full of ETA tasks takes no more than the limit.
 * @param base the window without ETA tasks (`prefetch`)
 * @param limit `undefined` = unbounded (Celery's default)
 * @example prefetchWindow(40, 3, 10) // 10
 */
export function prefetchWindow(base: number, held: number, limit: number | undefined): number {
  return limit === undefined ? base + held : Math.min(base + held, limit);
}

/** Checks `etaTaskLimit`: a positive integer or `undefined`; throws `ConfigurationError`. */
export function checkEtaTaskLimit(limit: number | undefined): number | undefined {
  if (limit === undefined) return undefined;
  if (!Number.isInteger(limit) || limit < 1) throw new ConfigurationError(`etaTaskLimit must be a positive integer, got ${String(limit)}`);
  return limit;
}
