// Celery 5.5's warm / soft / cold shutdown on real Redis and RabbitMQ (a key prefix and a vhost of
// this run), results in Redis. The scenarios are shutdown-scenarios.ts, also run on memory.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe } from 'vitest';
import { createAmqpBroker } from '@celerity/broker-amqp';
import { createRedisBroker } from '@celerity/broker-redis';
import { createRedisBackend } from '@celerity/backend-redis';
import { deleteKeys, randomSuffix } from '@celerity/testing';
import { createTestVhost } from '../../broker-amqp/test/vhost.js';
import type { TestVhost } from '../../broker-amqp/test/vhost.js';
import { shutdownScenarios } from './shutdown-scenarios.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
const prefix = `celerity-test-${randomSuffix()}:`;
let raw: Redis;
let vhost: TestVhost;

beforeAll(async () => {
  raw = new Redis(REDIS_URL);
  vhost = await createTestVhost();
}, 120_000);
afterAll(async () => {
  await deleteKeys(raw, `${prefix}*`);
  raw.disconnect();
  await vhost?.dispose();
}, 120_000);

const backend = () => createRedisBackend({ url: REDIS_URL, keyPrefix: prefix });

describe('shutdown modes on Redis', () => {
  shutdownScenarios(() => ({ broker: () => createRedisBroker({ url: REDIS_URL, keyPrefix: prefix }), backend }));
});

describe('shutdown modes on RabbitMQ', () => {
  shutdownScenarios(() => ({ broker: () => createAmqpBroker({ url: vhost.url }), backend }));
});
