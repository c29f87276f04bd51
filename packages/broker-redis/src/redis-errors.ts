/**
 * The broker's side of @celerity/redis-common's error mapping (classification and its reasoning
 * live there): its messages start with `Redis broker`, its non-retryable errors have code `BROKER_ERROR`.
 */
import type { CelerityError } from '@celerity/core';
import { mapRedisError } from '@celerity/redis-common/internal';
import type { RedisErrorSource } from '@celerity/redis-common/internal';

/** How the broker names itself in errors and logs. */
export const BROKER_ERRORS: RedisErrorSource = { name: 'Redis broker', code: 'BROKER_ERROR' };

/** Maps a driver error met during `action` (`publish`, `fetch`…); Celerity errors pass through. */
export function toBrokerError(error: unknown, action: string): CelerityError {
  return mapRedisError(error, action, BROKER_ERRORS);
}
