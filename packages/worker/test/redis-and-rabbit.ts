/**
 * The setup of an integration file that runs its scenarios on Redis and on RabbitMQ: a key prefix of
 * its own on the local Redis and a fresh RabbitMQ vhost, both removed after the file.
 */
import { afterAll, beforeAll } from 'vitest';
import { Redis } from 'ioredis';
import { createRedisBackend } from '@celerity/backend-redis';
import type { ResultBackend } from '@celerity/core';
import { deleteKeys, randomSuffix } from '@celerity/testing';
import { createTestVhost } from '../../broker-amqp/test/vhost.js';
import type { TestVhost } from '../../broker-amqp/test/vhost.js';

export const REDIS_URL = 'redis://127.0.0.1:6379';

/** What the file's tests use; `vhostUrl` is read once `beforeAll` has run. */
export interface RedisAndRabbit {
  readonly prefix: string;
  readonly vhostUrl: string;
  /** A result backend on the file's key prefix. */
  backend(): ResultBackend;
}

/** Registers the file's beforeAll / afterAll. */
export function useRedisAndRabbit(): RedisAndRabbit {
  const prefix = `celerity-test-${randomSuffix()}:`;
  let vhost: TestVhost | undefined;
  beforeAll(async () => {
    vhost = await createTestVhost();
  }, 120_000);
  afterAll(async () => {
    const raw = new Redis(REDIS_URL);
    await deleteKeys(raw, `${prefix}*`);
    raw.disconnect();
    await vhost?.dispose();
  }, 120_000);
  return {
    prefix,
    get vhostUrl() {
      if (vhost === undefined) throw new Error('the RabbitMQ vhost is made in beforeAll');
      return vhost.url;
    },
    backend: () => createRedisBackend({ url: REDIS_URL, keyPrefix: prefix }),
  };
}
