/**
 * The one place where ioredis / Redis errors become Celerity errors, for the broker and the result
 * backend alike. Like kombu, errors are classified before they are mapped:
 *
 * - **connection** (`ConnectionError`, retryable): the same command, sent again later, can succeed
 *   without anyone changing the command, the data or the configuration. The network (refused,
 *   reset, timed out, DNS, the socket closed, ioredis giving up on a command) and server states
 *   that end by themselves: `LOADING` (the dataset is being loaded after a restart; redis-py's
 *   BusyLoadingError, a connection error in kombu), `BUSY` (another client's script is running:
 *   the command did not run and will once the script ends — redis-py leaves it a plain
 *   ResponseError, we do not: nothing is wrong with the command), `READONLY` (the node became a
 *   replica in a failover: a reconnect reaches the new master), `MASTERDOWN`, `TRYAGAIN`,
 *   `CLUSTERDOWN`, `NOREPLICAS` (failover or replication in progress), and
 *   `ERR max number of clients reached` (redis-py: ConnectionError); on a cluster, ioredis giving up
 *   on redirections or on reaching any node while a failover is under way.
 * - **auth** (`ConfigurationError`, not retryable): `NOAUTH`, `WRONGPASS`, `NOPERM`,
 *   `ERR invalid password`, and a refused TLS handshake (an untrusted or misnamed server
 *   certificate, a server alert such as "certificate required": core's `tlsRefusal`). kombu
 *   counts redis-py's AuthenticationError as a connection error and retries it; the same
 *   credentials (or certificates) fail the same way every time, so we fail at once with the
 *   reason instead of retrying into a timeout that hides it.
 * - **command** (`CelerityError` with the caller's code, not retryable): everything else — the
 *   command or the data is wrong (`WRONGTYPE`, `ERR …`, `EXECABORT`, a script error, `NOSCRIPT`
 *   left unhandled) or the server needs a person: `OOM` (maxmemory reached) and `MISCONF` (it
 *   cannot write its snapshot, usually a full disk or a permission); both are plain ResponseErrors
 *   in redis-py, channel errors in kombu, and retrying them only adds load to a server in trouble.
 *
 * ioredis attaches the failed command to its errors; for `AUTH` / `HELLO` that is the password, so
 * it is hidden before the error is wrapped, logged or thrown.
 */
import { CelerityError, ConfigurationError, ConnectionError } from '@celerity/core';
import { tlsRefusal } from '@celerity/core/internal';

/** What a driver error means for the caller (see the module comment). */
export type RedisErrorKind = 'connection' | 'auth' | 'command';

/** Who maps an error: the name its messages start with and the code of its non-retryable errors. */
export interface RedisErrorSource {
  /** e.g. `'Redis broker'`. */
  readonly name: string;
  /** e.g. `'BROKER_ERROR'`. */
  readonly code: string;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN',
  'EHOSTUNREACH', 'EHOSTDOWN', 'ENETUNREACH', 'ENETDOWN', 'EADDRNOTAVAIL',
]);
const NETWORK_NAMES = new Set(['MaxRetriesPerRequestError', 'AbortError', 'ClusterAllFailedError']);
const NETWORK_MESSAGES = /connection is closed|connection (?:.* )?(?:lost|closed?)\b|stream isn't writeable|command timed out|socket closed unexpectedly|max retries per request|too many cluster redirections|failed to refresh slots cache|none of startup nodes is available/i;
const TRANSIENT_REPLIES = /^(?:LOADING|BUSY|READONLY|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|NOREPLICAS)\b|^ERR max number of clients reached/;
const AUTH_REPLIES = /^(?:NOAUTH|WRONGPASS|NOPERM)\b|^ERR invalid (?:password|username-password pair)/;
const CREDENTIAL_COMMANDS = new Set(['auth', 'hello']);

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  command?: { name?: unknown; args?: unknown };
}

function messageOf(error: unknown): string {
  const message = (error as ErrorLike | null)?.message;
  return typeof message === 'string' ? message : String(error);
}

/** Classifies a driver error (see the module comment); a core `ConnectionError` is a connection error. */
export function classifyRedisError(error: unknown): RedisErrorKind {
  if (error instanceof ConnectionError) return 'connection';
  if (typeof error !== 'object' || error === null) return 'command';
  const { name, code } = error as ErrorLike;
  const message = messageOf(error);
  if (TRANSIENT_REPLIES.test(message)) return 'connection';
  if (AUTH_REPLIES.test(message) || tlsRefusal(error) !== undefined) return 'auth';
  if ((typeof code === 'string' && NETWORK_CODES.has(code)) || (typeof name === 'string' && NETWORK_NAMES.has(name)) || NETWORK_MESSAGES.test(message)) {
    return 'connection';
  }
  return 'command';
}

/** Whether a driver error means the connection (not the command) failed: retrying after a reconnect may succeed. */
export function isConnectionError(error: unknown): boolean {
  return classifyRedisError(error) === 'connection';
}

/** Whether a driver error is Redis's NOSCRIPT reply (the script cache was emptied, e.g. by a restart). */
export function isNoScriptError(error: unknown): boolean {
  return messageOf(error).startsWith('NOSCRIPT');
}

/** Replaces the arguments of an `AUTH` / `HELLO` command that ioredis attached to its error. */
function hideCredentials(error: unknown): void {
  const command = (error as ErrorLike | null)?.command;
  if (typeof command !== 'object' || command === null || typeof command.name !== 'string') return;
  if (CREDENTIAL_COMMANDS.has(command.name.toLowerCase())) command.args = ['**'];
}

/**
 * Maps a driver error to a Celerity error; `action` says what was being done (`publish`, `store`…).
 * Celerity errors pass through unchanged. Messages read `<source>: <action> failed: <reason>`.
 * @example
 * throw mapRedisError(error, 'publish', { name: 'Redis broker', code: 'BROKER_ERROR' });
 */
export function mapRedisError(error: unknown, action: string, source: RedisErrorSource): CelerityError {
  if (error instanceof CelerityError) return error;
  hideCredentials(error);
  const text = `${source.name}: ${action} failed: ${tlsRefusal(error) ?? messageOf(error)}`;
  switch (classifyRedisError(error)) {
    case 'connection':
      return new ConnectionError(text, { cause: error });
    case 'auth':
      return new ConfigurationError(text, { cause: error });
    default:
      return new CelerityError(source.code, text, { cause: error });
  }
}
