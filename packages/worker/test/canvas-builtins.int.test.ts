// map / starmap / chunks and ctx.replace() on real Redis and RabbitMQ (canvas-builtins-scenarios.ts;
// memory: canvas-builtins.test.ts). Results and chord counters on the file's Redis key prefix.
import { describe } from 'vitest';
import { createAmqpBroker } from '@celerity/broker-amqp';
import { createRedisBroker } from '@celerity/broker-redis';
import { REDIS_URL, useRedisAndRabbit } from './redis-and-rabbit.js';
import { builtinsScenarios } from './canvas-builtins-scenarios.js';

const servers = useRedisAndRabbit();

describe('canvas built-ins and replace on Redis', () => {
  builtinsScenarios(() => ({ broker: () => createRedisBroker({ url: REDIS_URL, keyPrefix: servers.prefix }), backend: servers.backend }));
});

describe('canvas built-ins and replace on RabbitMQ', () => {
  builtinsScenarios(() => ({ broker: () => createAmqpBroker({ url: servers.vhostUrl }), backend: servers.backend }));
});
