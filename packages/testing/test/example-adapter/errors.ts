/**
 * The one place where the driver's errors become Celerity errors, classified as kombu does: the
 * server could not be reached (a retry after a reconnect may help) or it refused the operation
 * (retrying will not help). Celerity errors pass through unchanged.
 */
import { CelerityError, ConnectionError } from '@celerity/core';
import { ExampleDriverError } from './server.js';

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

/**
 * Maps a driver error; `what` says what the adapter was doing.
 * @example
 * try { connection.push(queue, message); } catch (error) { throw mapExampleError(error, `publish to ${queue}`); }
 */
export function mapExampleError(error: unknown, what: string): CelerityError {
  if (error instanceof CelerityError) return error;
  const text = `example ${what} failed: ${error instanceof Error ? error.message : String(error)}`;
  if (error instanceof ExampleDriverError && CONNECTION_CODES.has(error.code)) return new ConnectionError(text, { cause: error });
  return new CelerityError('EXAMPLE_ERROR', text, { cause: error });
}
