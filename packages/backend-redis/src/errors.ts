/**
 * The one place where ioredis errors become Celerity errors: network failures and a server that is
 * loading, read-only or failing over are retryable `ConnectionError`s; authentication failures are
 * `ConfigurationError`s; any other reply error is a non-retryable `CelerityError`.
 */
import { CelerityError, ConfigurationError, ConnectionError } from '@celerity/core';
import type { Logger } from '@celerity/core';

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED']);
const TRANSIENT_REPLIES = /^(LOADING|READONLY|MASTERDOWN|BUSY|TRYAGAIN|CLUSTERDOWN|MISCONF)\b/;
const AUTH_REPLIES = /^(NOAUTH|WRONGPASS|NOPERM)\b/;
const CLOSED_MESSAGES = /Connection is closed|Stream isn't writeable|connection .*(lost|closed)/i;

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
}

/** Whether a driver error is Redis's NOSCRIPT reply (the script cache was flushed, e.g. by a restart). */
export function isNoScriptError(err: unknown): boolean {
  return typeof (err as ErrorLike | null)?.message === 'string' && (err as { message: string }).message.startsWith('NOSCRIPT');
}

/**
 * Maps an ioredis error to a Celerity error; `action` says what we were doing (`store`, `get`…).
 * Celerity errors pass through unchanged.
 */
export function toCelerityError(err: unknown, action: string): CelerityError {
  if (err instanceof CelerityError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as ErrorLike;
  const message = typeof e.message === 'string' ? e.message : String(err);
  const text = `Redis result backend: ${action} failed: ${message}`;
  if (
    e.name === 'MaxRetriesPerRequestError' ||
    (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) ||
    CLOSED_MESSAGES.test(message) ||
    (e.name === 'ReplyError' && TRANSIENT_REPLIES.test(message))
  ) {
    return new ConnectionError(text, { cause: err });
  }
  if (AUTH_REPLIES.test(message)) return new ConfigurationError(text, { cause: err });
  return new CelerityError('BACKEND_ERROR', text, { cause: err });
}

/** The part of an ioredis connection the error logging listens to. */
interface EventSource {
  on(event: 'error', listener: (err: unknown) => void): unknown;
  on(event: 'ready', listener: () => void): unknown;
}

/**
 * Logs a connection's errors without flooding: ioredis emits one per failed reconnect attempt, so
 * only the first of an outage is a warning, the rest are debug lines until the connection is ready again.
 * Listening also stops ioredis from printing "Unhandled error event".
 */
export function logConnectionErrors(connection: EventSource, logger: Logger, label: string): void {
  let warned = false;
  connection.on('error', (err: unknown) => {
    const error = toCelerityError(err, label);
    if (warned) {
      logger.debug(error.message, { error });
      return;
    }
    warned = true;
    logger.warn(error.message, { error });
  });
  connection.on('ready', () => {
    if (warned) logger.info(`Redis result backend: ${label} restored`);
    warned = false;
  });
}
