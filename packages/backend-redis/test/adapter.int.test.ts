import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigurationError, createBackendFromUrl, silentLogger } from '@celerity/core';
import type { ResultMeta } from '@celerity/core';
import { randomSuffix, waitFor, deleteKeys } from '@celerity/testing';
import { Redis } from 'ioredis';
import type { Redis as RedisClient } from 'ioredis';
import { backendAdapter, createRedisBackend } from '../src/index.js';
import { REDIS_URL, clientsNamed, rawClient, uniquePrefix } from './redis-helpers.js';

const meta = (taskId: string): ResultMeta => ({ status: 'SUCCESS', result: taskId, traceback: null, children: [], date_done: null, task_id: taskId });

let prefix: string;
let raw: RedisClient;

beforeEach(() => {
  prefix = uniquePrefix();
  raw = rawClient();
});

afterEach(async () => {
  await deleteKeys(raw, `${prefix}*`);
  raw.disconnect();
});

describe('backendAdapter', () => {
  it('resolves redis:// URLs with options from the adapter context', async () => {
    expect(backendAdapter.schemes).toEqual(['redis', 'rediss', 'sentinel', 'rediscluster']);
    await using backend = createBackendFromUrl(REDIS_URL, { adapters: [backendAdapter], logger: silentLogger, options: { keyPrefix: prefix, expires: 120 } });
    expect(backend.name).toBe('redis');
    await backend.connect();
    await backend.store(meta('via-url'));
    const ttl = await raw.ttl(`${prefix}celery-task-meta-via-url`);
    expect(ttl).toBeGreaterThan(100);
    expect(ttl).toBeLessThanOrEqual(120);
  });

  it('rejects option values of the wrong type', () => {
    expect(() => backendAdapter.create(REDIS_URL, { options: { keyPrefix: 5 } })).toThrow(ConfigurationError);
    expect(() => backendAdapter.create(REDIS_URL, { options: { serializer: 'json' } })).toThrow(/Serializer/);
    expect(() => backendAdapter.create(REDIS_URL, { options: { resultSubscription: 'pattern' } })).toThrow(/'prefix' or 'task'/);
  });

  it("passes resultSubscription: 'task' (plain uuid4 ids)", async () => {
    await using backend = backendAdapter.create(REDIS_URL, { logger: silentLogger, options: { keyPrefix: prefix, resultSubscription: 'task' } });
    expect(backend.newTaskId!().slice(0, 9)).not.toBe(backend.newTaskId!().slice(0, 9));
  });
});

describe('the client option', () => {
  it('runs on the given client, duplicates it for pub/sub, and leaves it open on close', async () => {
    const name = `celerity-test-${randomSuffix()}`;
    const client = new Redis(REDIS_URL, { connectionName: name });
    try {
      const backend = createRedisBackend({ client, keyPrefix: prefix });
      await backend.connect();
      const waiting = backend.wait('own-client', { timeout: 10 });
      await waitFor(async () => (await clientsNamed(raw, name)).length === 2, { message: 'client + its duplicate' });
      await backend.store(meta('own-client'));
      expect((await waiting).result).toBe('own-client');
      await backend.close();
      expect(client.status).toBe('ready');
      expect(await client.get(`${prefix}celery-task-meta-own-client`)).toContain('"own-client"');
      await waitFor(async () => (await clientsNamed(raw, name)).length === 1, { message: 'only the duplicate closed' });
    } finally {
      client.disconnect();
    }
  });

  it('refuses a client with an ioredis keyPrefix (channels would not match keys)', () => {
    const client = new Redis(REDIS_URL, { keyPrefix: 'x:', lazyConnect: true });
    expect(() => createRedisBackend({ client })).toThrow(ConfigurationError);
    client.disconnect();
  });

  it('refuses empty task and group ids, as Celery 5.3+ does', async () => {
    await using backend = createRedisBackend({ url: REDIS_URL, keyPrefix: prefix });
    await expect(backend.store(meta(''))).rejects.toBeInstanceOf(ConfigurationError);
    await expect(backend.wait('')).rejects.toBeInstanceOf(ConfigurationError);
    await expect(backend.saveGroup('', ['a'])).rejects.toBeInstanceOf(ConfigurationError);
  });
});
