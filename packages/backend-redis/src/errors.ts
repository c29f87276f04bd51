/**
 * The result backend's side of @celerity/redis-common's error mapping (classification and its
 * reasoning live there): messages start with `Redis result backend`, non-retryable errors have
 * code `BACKEND_ERROR`.
 */
import type { CelerityError, Logger } from '@celerity/core';
import { logConnectionErrors, mapRedisError } from '@celerity/redis-common/internal';
import type { ConnectionEvents, RedisErrorSource } from '@celerity/redis-common/internal';

/** How the backend names itself in errors and logs. */
export const BACKEND_ERRORS: RedisErrorSource = { name: 'Redis result backend', code: 'BACKEND_ERROR' };

/** Maps a driver error met during `action` (`store`, `get`…); Celerity errors pass through. */
export function toCelerityError(err: unknown, action: string): CelerityError {
  return mapRedisError(err, action, BACKEND_ERRORS);
}

/** Logs a connection's errors once per outage (see @celerity/redis-common), named as this backend's. */
export function logBackendConnection(connection: ConnectionEvents, logger: Logger, label: string): void {
  logConnectionErrors(connection, logger, label, BACKEND_ERRORS);
}
