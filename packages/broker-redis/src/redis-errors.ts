/**
 * The one place where ioredis / Redis errors become Celerity errors. Like kombu's transports, errors
 * are classified: connection errors (the socket went away, the server is loading or read-only —
 * retrying after a reconnect may succeed) versus channel errors (a bad command, a script error —
 * retrying will not help).
 */
import { CelerityError, ConnectionError } from '@celerity/core';

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ECONNABORTED']);
const CONNECTION_MESSAGES = [
  'Connection is closed',
  "Stream isn't writeable",
  'Reached the max retries per request limit',
  'Command timed out',
  'connect ETIMEDOUT',
  'Socket closed unexpectedly',
];
// Redis replies that mean "this server cannot serve you right now" (kombu ≥ 5.3.5 retries BusyLoadingError).
const CONNECTION_REPLIES = ['LOADING', 'READONLY', 'MASTERDOWN', 'TRYAGAIN', 'CLUSTERDOWN'];

/** Whether an error raised by ioredis means the connection (not the command) failed. */
export function isConnectionError(error: unknown): boolean {
  if (error instanceof ConnectionError) return true;
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && CONNECTION_CODES.has(code)) return true;
  if (error.name === 'MaxRetriesPerRequestError') return true;
  const message = error.message;
  if (CONNECTION_MESSAGES.some((m) => message.includes(m))) return true;
  return CONNECTION_REPLIES.some((r) => message.startsWith(r));
}

/** Whether a Redis reply error says a script is not in the server's script cache. */
export function isNoScriptError(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}

/**
 * Maps an ioredis error to a Celerity error: `ConnectionError` (retryable) for connection failures,
 * `CelerityError` with code `BROKER_ERROR` otherwise. Celerity errors pass through unchanged.
 */
export function mapRedisError(error: unknown, what: string): CelerityError {
  if (error instanceof CelerityError) return error;
  const detail = error instanceof Error ? error.message : String(error);
  if (isConnectionError(error)) return new ConnectionError(`Redis connection failed during ${what}: ${detail}`, { cause: error });
  return new CelerityError('BROKER_ERROR', `Redis error during ${what}: ${detail}`, { cause: error });
}
