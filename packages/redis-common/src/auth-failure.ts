/**
 * Seeing a refused authentication while connecting. ioredis reports a wrong password as an `error`
 * event, then closes and retries for ever, so whoever waits for the connection only learns
 * "Connection is closed." or runs into its own timeout; listening for the reply makes the wait fail
 * at once with the server's reason (mapped as a `ConfigurationError`, its credentials hidden).
 */
import { classifyRedisError } from './errors.js';

/** The part of an ioredis connection listened to. */
export interface ErrorEvents {
  on(event: 'error', listener: (error: unknown) => void): unknown;
  off(event: 'error', listener: (error: unknown) => void): unknown;
}

/**
 * Calls `listener` with each authentication error (`NOAUTH`, `WRONGPASS`, `NOPERM`) `connection`
 * reports; returns the function that stops listening.
 * @example
 * const stop = onAuthFailure(client, (error) => reject(mapRedisError(error, 'connect', source)));
 */
export function onAuthFailure(connection: ErrorEvents, listener: (error: unknown) => void): () => void {
  const onError = (error: unknown): void => {
    if (classifyRedisError(error) === 'auth') listener(error);
  };
  connection.on('error', onError);
  return () => {
    connection.off('error', onError);
  };
}
