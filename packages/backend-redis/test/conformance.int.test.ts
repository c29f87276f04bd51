import { afterAll } from 'vitest';
import { runBackendConformance, deleteKeys } from '@celerity/testing';
import { createRedisBackend } from '../src/index.js';
import { REDIS_URL, rawClient, uniquePrefix } from './redis-helpers.js';

const keyPrefix = uniquePrefix();

runBackendConformance('redis', () => createRedisBackend({ url: REDIS_URL, keyPrefix }));

afterAll(async () => {
  const client = rawClient();
  try {
    await deleteKeys(client, `${keyPrefix}*`);
  } finally {
    client.disconnect();
  }
});
