/**
 * Celery's automatic retry policy (`celery/app/autoretry.py`): which errors retry by themselves
 * (`autoretryFor` unless `dontAutoretryFor`), and the countdown of the n-th retry (fixed, or
 * exponential backoff capped at `retryBackoffMax` with optional full jitter).
 */
import type { TaskDefinition, TaskOptions } from '../task.js';

const DEFAULT_RETRY_DELAY = 180;
const DEFAULT_BACKOFF_MAX = 600;

type ErrorList = TaskOptions['autoretryFor'];

function listed(list: ErrorList, error: Error): boolean {
  if (!list) return false;
  return list.some((entry) => (typeof entry === 'string' ? error.name === entry || error.constructor.name === entry : error instanceof entry));
}

/** Whether `error` retries by itself: listed in `autoretryFor` and not in `dontAutoretryFor`, which wins. */
export function matchesAutoretry(definition: TaskDefinition, error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { autoretryFor, dontAutoretryFor } = definition.options;
  return listed(autoretryFor, error) && !listed(dontAutoretryFor, error);
}

/**
 * Seconds before automatic retry number `retries` (0-based): `defaultRetryDelay` without backoff;
 * with it `min(retryBackoffMax, base × 2^retries)`, and with jitter (the default) a random whole
 * number of seconds from 0 to that, as Celery's `get_exponential_backoff_interval`.
 * @param random `Math.random` unless a test fixes it
 * @example autoretryCountdown(defineTask({ name: 't', retryBackoff: 2, retryJitter: false }, fn), 3) // 16
 */
export function autoretryCountdown(definition: TaskDefinition, retries: number, random: () => number = Math.random): number {
  const { retryBackoff, retryBackoffMax, retryJitter, defaultRetryDelay } = definition.options;
  if (!retryBackoff) return defaultRetryDelay ?? DEFAULT_RETRY_DELAY;
  const base = retryBackoff === true ? 1 : retryBackoff;
  const countdown = Math.min(retryBackoffMax ?? DEFAULT_BACKOFF_MAX, base * 2 ** retries);
  if (retryJitter === false) return countdown;
  return Math.floor(random() * (Math.floor(countdown) + 1));
}
