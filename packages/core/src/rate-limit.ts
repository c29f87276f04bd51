/**
 * Celery's rate limit syntax (`celery.utils.time.rate`): `'10/s'`, `'100/m'`, `'1000/h'`, a bare
 * number (`'10'`, `10`) meaning per second, and `0` / `''` / `null` meaning no limit.
 */
import { ConfigurationError } from './errors.js';

/** A rate limit as Celery writes it: `'10/s'`, `'100/m'`, `'1000/h'`, `'0.5/s'`, or tasks per second as a number. */
export type RateLimit = string | number;

/** Where a task's rate limit is counted: on each worker alone (Celery), or once for the whole cluster. */
export type RateLimitScope = 'worker' | 'cluster';

const SECONDS_PER: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600 };

// Python's float() syntax for the part before the slash (blanks around it allowed), the unit right after it.
const RATE_PATTERN = /^\s*(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)\s*(?:\/([smh]?))?$/;

/**
 * Tasks per second allowed by `limit`; 0 means no limit (Celery's `rate()`: `''`, `0` and `'0/m'`
 * all switch the limit off). Throws `ConfigurationError` for anything Celery would not take, and for
 * negative, infinite or NaN numbers.
 * @example parseRateLimit('100/m') // 1.6666…
 * @example parseRateLimit('10') // 10
 */
export function parseRateLimit(limit: RateLimit | null | undefined): number {
  if (limit === null || limit === undefined || limit === '') return 0;
  if (typeof limit === 'number') {
    if (!Number.isFinite(limit) || limit < 0) throw new ConfigurationError(`A rate limit must be a finite number of tasks per second ≥ 0, got ${String(limit)}`);
    return limit;
  }
  if (typeof limit !== 'string') throw new ConfigurationError(`A rate limit must be a string like '10/s', '100/m', '1000/h' or a number, got ${typeof limit}`);
  const match = RATE_PATTERN.exec(limit);
  if (!match) throw new ConfigurationError(`Invalid rate limit ${JSON.stringify(limit)}: expected '<number>/s', '<number>/m', '<number>/h' or '<number>' (per second)`);
  const count = Number(match[1]);
  if (!Number.isFinite(count)) throw new ConfigurationError(`Invalid rate limit ${JSON.stringify(limit)}: the number is too large`);
  return count / (SECONDS_PER[match[2] || 's'] ?? 1);
}

/** Checks a task's or worker's scope option; throws `ConfigurationError`. */
export function checkRateLimitScope(scope: unknown, what: string): RateLimitScope | undefined {
  if (scope === undefined || scope === 'worker' || scope === 'cluster') return scope;
  throw new ConfigurationError(`${what} must be 'worker' or 'cluster', got ${JSON.stringify(scope)}`);
}
