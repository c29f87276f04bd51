// Celery 5.5's warm / soft / cold shutdown on real Redis and RabbitMQ (a key prefix and a vhost of
// this run), results in Redis. The scenarios are shutdown-scenarios.ts, also run on memory.
import { describe } from 'vitest';
import { createAmqpBroker } from '@celerity/broker-amqp';
import { createRedisBroker } from '@celerity/broker-redis';
import { REDIS_URL, useRedisAndRabbit } from './redis-and-rabbit.js';
import { shutdownScenarios } from './shutdown-scenarios.js';

const servers = useRedisAndRabbit();

describe('shutdown modes on Redis', () => {
  shutdownScenarios(() => ({ broker: () => createRedisBroker({ url: REDIS_URL, keyPrefix: servers.prefix }), backend: servers.backend }));
});

describe('shutdown modes on RabbitMQ', () => {
  shutdownScenarios(() => ({ broker: () => createAmqpBroker({ url: servers.vhostUrl }), backend: servers.backend }));
});
