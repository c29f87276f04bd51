/** The shared Broker conformance suite against the real Redis, with a fresh key prefix per broker. */
import { afterAll } from 'vitest';
import { runBrokerConformance, deleteKeys } from '@celerity/testing';
import { createRedisBroker } from '../src/index.js';
import { REDIS_URL, inspector, randomPrefix } from './helpers.js';

const prefix = randomPrefix();
const redis = inspector();

afterAll(async () => {
  await deleteKeys(redis, `${prefix}*`);
  await redis.quit();
});

runBrokerConformance('redis', () => createRedisBroker({ url: REDIS_URL, keyPrefix: prefix, pollInterval: 0.2 }), {
  namePrefix: 'conf',
});
