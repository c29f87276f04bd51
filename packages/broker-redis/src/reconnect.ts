/**
 * Riding out connection loss: waiting for a connection that is being re-established, and retrying
 * an operation across a reconnect until a deadline.
 */
import type { RedisClient } from '@celerity/redis-common/internal';
import { ConnectionError } from '@celerity/core';
import { isConnectionError, onAuthFailure } from '@celerity/redis-common/internal';
import { toBrokerError } from './redis-errors.js';

/** Options of {@link withReconnect}. */
export interface RetryOptions {
  /** Give up (with `ConnectionError`) after this many milliseconds. */
  timeout: number;
  signal?: AbortSignal | undefined;
}

/**
 * Resolves once `client` is ready. Waiting here (rather than letting ioredis queue the command
 * offline) means a command that timed out was never queued, so it cannot run later behind our back.
 * A refused authentication rejects at once (`ConfigurationError`): waiting longer cannot fix it.
 * With `failFast`, the first failed connection attempt rejects too (`ConnectionError` with the
 * driver's reason): `connect()` reports an unreachable server at once and leaves the retry policy
 * to its caller (the worker's start-up retry) instead of hiding the reason behind a timeout.
 */
export function waitReady(client: RedisClient, deadline: number, signal?: AbortSignal, failFast = false): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  if (client.status === 'end') return Promise.reject(new ConnectionError('Redis connection is closed'));
  if (client.status === 'wait') client.connect().catch(() => undefined);
  return new Promise<void>((resolve, reject) => {
    const cleanup = (): void => {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('end', onEnd);
      stopAuth();
      if (failFast) client.off('error', onError);
      signal?.removeEventListener('abort', onAbort);
    };
    const onReady = (): void => {
      cleanup();
      resolve();
    };
    const onEnd = (): void => {
      cleanup();
      reject(new ConnectionError('Redis connection is closed'));
    };
    const onAbort = (): void => {
      cleanup();
      reject(signal?.reason instanceof Error ? signal.reason : new ConnectionError('Aborted while waiting for Redis'));
    };
    const onError = (error: unknown): void => {
      if (!isConnectionError(error)) return; // auth errors are onAuthFailure's
      cleanup();
      reject(toBrokerError(error, 'connect'));
    };
    // The wait as it was allowed, not what is left of it when the timer fires (always 0).
    const wait = Math.max(0, deadline - Date.now());
    const timer = setTimeout(() => {
      cleanup();
      reject(new ConnectionError(`Redis did not become ready within ${wait} ms`));
    }, wait);
    const stopAuth = onAuthFailure(client, (error) => {
      cleanup();
      reject(toBrokerError(error, 'connect'));
    });
    client.on('ready', onReady);
    client.on('end', onEnd);
    if (failFast) client.on('error', onError);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `op`, and on a connection error waits for the reconnect and runs it again, until `timeout`
 * has passed; then fails with `ConnectionError`. Other errors are mapped and thrown at once.
 */
export async function withReconnect<T>(client: RedisClient, what: string, op: () => Promise<T>, options: RetryOptions): Promise<T> {
  const deadline = Date.now() + options.timeout;
  let lastError: unknown;
  for (;;) {
    if (options.signal?.aborted) throw options.signal.reason instanceof Error ? options.signal.reason : new ConnectionError(`${what} aborted`);
    // Awaited only when not ready: the common call then writes its command in the caller's tick.
    if (client.status !== 'ready') {
      try {
        await waitReady(client, deadline, options.signal);
      } catch (error) {
        throw lastError === undefined ? error : toBrokerError(lastError, what);
      }
    }
    try {
      return await beforeDeadline(op(), deadline, what);
    } catch (error) {
      if (!isConnectionError(error)) throw toBrokerError(error, what);
      lastError = error;
      if (Date.now() >= deadline) throw toBrokerError(error, what);
      // The status may still read 'ready' for a moment after the socket died; don't spin on it.
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

/**
 * Settles like `promise`, or rejects with `ConnectionError` at `deadline`. A command cut off by a
 * dying socket is kept by ioredis for a resend and would otherwise hold the caller for its whole
 * reconnect budget; its outcome is unknown either way (at-least-once).
 */
function beforeDeadline<T>(promise: Promise<T>, deadline: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new ConnectionError(`Redis did not answer ${what} in time`)), Math.max(0, deadline - Date.now()));
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
