/**
 * Logging a connection's errors without flooding: ioredis emits one per failed reconnect attempt, so
 * only the first of an outage is a warning and the rest are debug lines until the connection is
 * ready again. Listening also stops ioredis from printing "Unhandled error event".
 */
import type { Logger } from '@celerity/core';
import { mapRedisError, type RedisErrorSource } from './errors.js';

/** The part of an ioredis connection the logging listens to. */
export interface ConnectionEvents {
  on(event: 'error', listener: (error: unknown) => void): unknown;
  on(event: 'ready', listener: () => void): unknown;
}

/**
 * Logs `connection`'s errors (mapped, so no password shows) as `<source>: <label> failed: <reason>`,
 * and `<source>: <label> restored` when it is ready again after an outage.
 * @example
 * logConnectionErrors(redis, logger, 'command connection', { name: 'Redis result backend', code: 'BACKEND_ERROR' });
 */
export function logConnectionErrors(connection: ConnectionEvents, logger: Logger, label: string, source: RedisErrorSource): void {
  let warned = false;
  connection.on('error', (cause: unknown) => {
    const error = mapRedisError(cause, label, source);
    if (warned) {
      logger.debug(error.message, { error });
      return;
    }
    warned = true;
    logger.warn(error.message, { error });
  });
  connection.on('ready', () => {
    if (warned) logger.info(`${source.name}: ${label} restored`);
    warned = false;
  });
}
