/** Helpers of the integration tests: unique key prefixes, cleanup, envelopes, waiting for conditions. */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach } from 'vitest';
import { Redis } from 'ioredis';
import type { Envelope, EnvelopeProperties } from '@celerity/core';
import { deleteKeys, waitFor as waitUntil } from '@celerity/testing';
import { createRedisBroker, type RedisBroker, type RedisBrokerOptions } from '../src/index.js';
import { testRedisUrl } from '@celerity/testing/internal';

/** Database 0 of the shared test Redis (or of the matrix's server: `CELERITY_TEST_REDIS_URL`). */
export const REDIS_URL = testRedisUrl(0);

/** A key prefix no other test run uses. */
export function randomPrefix(): string {
  return `celerity-test-${randomUUID().slice(0, 8)}:`;
}

/** A plain client on the shared test Redis, for inspecting what the broker wrote. */
export function inspector(): Redis {
  return new Redis(REDIS_URL);
}

/**
 * The brokers of one test file on the shared test Redis, under the key prefix `prefix()` reads when
 * each is made. After each test they are closed and the keys under that prefix deleted; after the
 * file the inspector connection `redis` is closed.
 * @example
 * let prefix: string;
 * const { redis, broker } = brokerFixture(() => prefix);
 */
export function brokerFixture(prefix: () => string, defaults: RedisBrokerOptions = {}): { redis: Redis; broker(options?: RedisBrokerOptions): RedisBroker } {
  const redis = inspector();
  const brokers: RedisBroker[] = [];
  afterEach(async () => {
    await Promise.all(brokers.splice(0).map((b) => b.close()));
    await deleteKeys(redis, `${prefix()}*`);
  });
  afterAll(async () => {
    await redis.quit();
  });
  return {
    redis,
    broker(options = {}) {
      const b = createRedisBroker({ url: REDIS_URL, keyPrefix: prefix(), pollInterval: 0.2, ...defaults, ...options });
      brokers.push(b);
      return b;
    },
  };
}

/** A task-like envelope with a JSON body. */
export function envelope(body: unknown, headers: Record<string, unknown> = {}, properties: EnvelopeProperties = {}): Envelope {
  return {
    body: Buffer.from(JSON.stringify(body)),
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    headers,
    properties,
  };
}

/** The JSON body of an envelope. */
export function bodyOf(env: Envelope): unknown {
  return JSON.parse(Buffer.from(env.body).toString('utf8'));
}

/**
 * Polls `check` until it returns true; fails after `timeoutMs` (a safety net, not an assertion on speed).
 * `@celerity/testing`'s `waitFor` with this package's positional arguments and a 10 s default.
 */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = 'condition'): Promise<void> {
  await waitUntil(check, { timeout: timeoutMs, message: what });
}
