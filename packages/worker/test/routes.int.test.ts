// Celery's task_routes on real Redis and RabbitMQ (routes-scenarios.ts; memory: config-hooks.test.ts),
// and result_expires from the configuration reaching a Redis backend created from its URL.
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineTask } from '@celerity/core';
import { createClient } from '@celerity/client';
import { createAmqpBroker } from '@celerity/broker-amqp';
import { brokerAdapter, createRedisBroker } from '@celerity/broker-redis';
import { backendAdapter } from '@celerity/backend-redis';
import { randomSuffix } from '@celerity/testing';
import { createWorker } from '@celerity/worker';
import { REDIS_URL, useRedisAndRabbit } from './redis-and-rabbit.js';
import { routesScenarios } from './routes-scenarios.js';

const servers = useRedisAndRabbit();
const { prefix, backend } = servers;
let raw: Redis;
beforeAll(() => {
  raw = new Redis(REDIS_URL);
});
afterAll(() => raw.disconnect());

describe('task routes on Redis', () => {
  routesScenarios(() => ({ broker: () => createRedisBroker({ url: REDIS_URL, keyPrefix: prefix }), backend }));
});

describe('task routes on RabbitMQ', () => {
  routesScenarios(() => ({ broker: () => createAmqpBroker({ url: servers.vhostUrl }), backend }));
});

describe('result_expires from the configuration', () => {
  it('sets the TTL of results a URL-created Redis backend stores, for the worker and the client', async () => {
    const queue = `expires-${randomSuffix()}`;
    const config = { brokerUrl: REDIS_URL, resultBackend: REDIS_URL, resultExpires: 120, taskDefaultQueue: queue };
    const options = { adapters: [brokerAdapter, backendAdapter], brokerOptions: { keyPrefix: prefix }, backendOptions: { keyPrefix: prefix } };
    const worker = createWorker({ ...options, config, tasks: [defineTask({ name: 'expires.add' }, () => 3)] });
    const client = createClient({ ...options, config: { ...config, resultExpires: 7200 } });
    await worker.start();
    try {
      const result = await client.send('expires.add', []);
      expect(await result.get({ timeout: 10 })).toBe(3);
      const ttl = await raw.ttl(`${prefix}celery-task-meta-${result.id}`);
      expect(ttl).toBeGreaterThan(100);
      expect(ttl).toBeLessThanOrEqual(120);
    } finally {
      await worker.stop();
      await client.close();
    }
  });
});
