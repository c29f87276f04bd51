/** Small helpers shared by the conformance suites and adapter tests. */
import { randomBytes } from 'node:crypto';
import { TimeoutError } from '@celerity/core';

/**
 * A short random hex string for queue names, key prefixes and ids, so repeated runs against a
 * real server never collide.
 * @example
 * const queue = `celerity-test-${randomSuffix()}`;
 */
export function randomSuffix(bytes = 6): string {
  return randomBytes(bytes).toString('hex');
}

/** Options of {@link waitFor}. */
export interface WaitForOptions {
  /** Give up after this many milliseconds. @default 5000 */
  timeout?: number;
  /** Pause between checks in milliseconds. @default 10 */
  interval?: number;
  /** Describes what was awaited, for the timeout error. @default 'condition' */
  message?: string;
}

/**
 * Polls `predicate` until it returns a truthy value (or a promise of one) and returns that value;
 * rejects with a core `TimeoutError` after `timeout`. For tests only.
 * @example
 * await waitFor(() => received.length === 3, { timeout: 2_000, message: '3 deliveries' });
 */
export async function waitFor<T>(predicate: () => T | Promise<T>, options: WaitForOptions = {}): Promise<NonNullable<T>> {
  const timeout = options.timeout ?? 5000;
  const interval = options.interval ?? 10;
  const deadline = Date.now() + timeout;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await predicate();
      if (value) return value as NonNullable<T>;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      throw new TimeoutError(`Timed out after ${timeout} ms waiting for ${options.message ?? 'condition'}`, {
        cause: lastError,
      });
    }
    await sleep(interval);
  }
}

/**
 * Resolves after `ms` milliseconds: a quiet period before asserting that nothing more arrives (a
 * test that waits for something to happen uses {@link waitFor}).
 * @example
 * await sleep(150);
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
