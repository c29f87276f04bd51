/**
 * Fault tests on a private redis-server this file starts (never the shared one): waits survive a
 * server restart, and a dead server surfaces as ConnectionError.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionError } from '@celerity/core';
import type { ResultMeta } from '@celerity/core';
import { freePort, startRedisServer, waitFor } from '@celerity/testing';
import type { RedisServer } from '@celerity/testing';
import { Redis } from 'ioredis';
import { createRedisBackend } from '../src/index.js';
import { startTcpGate } from './tcp-gate.js';

const success = (taskId: string, result: unknown): ResultMeta => ({
  status: 'SUCCESS', result, traceback: null, children: [], date_done: '2026-01-01T00:00:00.000000+00:00', task_id: taskId,
});
const encoded = (meta: ResultMeta): string =>
  `{"status": "SUCCESS", "result": ${JSON.stringify(meta.result)}, "traceback": null, "children": [], "date_done": "${meta.date_done}", "task_id": "${meta.task_id}"}`;

let server: RedisServer;

beforeAll(async () => {
  server = await startRedisServer();
});

afterAll(async () => {
  await server.stop();
});

async function numsub(channel: string): Promise<number> {
  const client = new Redis(`${server.url}/0`, { maxRetriesPerRequest: 1, retryStrategy: () => null });
  try {
    const reply = (await client.pubsub('NUMSUB', channel)) as [string, number];
    return Number(reply[1]);
  } finally {
    client.disconnect();
  }
}

describe('Redis restart', () => {
  it('re-subscribes and re-reads: waits started before the restart resolve after it', async () => {
    // The backend reaches the server through a gate, so it stays disconnected until the result is in.
    await using gate = await startTcpGate({ host: server.host, port: server.port });
    await using backend = createRedisBackend({ url: `redis://127.0.0.1:${gate.port}/0` });
    await backend.connect();
    const byGet = backend.wait('stored-silently', { timeout: 30 });
    const byPublish = backend.wait('published-later', { timeout: 30 });
    await waitFor(async () => (await numsub('celery-task-meta-published-later')) === 1, { message: 'subscribed before restart' });

    gate.shut();
    await server.restart();
    const raw = new Redis(`${server.url}/0`);
    try {
      // Stored without a PUBLISH while the backend is away: only the re-read after re-subscribing finds it.
      await raw.set('celery-task-meta-stored-silently', encoded(success('stored-silently', 'via GET')));
      expect(await numsub('celery-task-meta-stored-silently')).toBe(0);
      gate.open();
      expect((await byGet).result).toBe('via GET');
      // The re-read happens after the re-subscribe was confirmed, so a bare PUBLISH is heard now.
      await raw.publish('celery-task-meta-published-later', encoded(success('published-later', 'via PUBLISH')));
      expect((await byPublish).result).toBe('via PUBLISH');

      // The restart emptied the script cache: stores must recover from NOSCRIPT, also when one storeMany
      // is several script calls (64 results each), all answered NOSCRIPT.
      await backend.storeMany(Array.from({ length: 150 }, (_, i) => success(`many-${i}`, i)));
      expect(await raw.get('celery-task-meta-many-149')).toBe(encoded(success('many-149', 149)));
      expect(await raw.exists(...Array.from({ length: 150 }, (_, i) => `celery-task-meta-many-${i}`))).toBe(150);
      await backend.storeMany([success('after-1', 1), success('after-2', 2)]);
      await backend.store(success('after-3', 3));
      expect(await raw.get('celery-task-meta-after-2')).toBe(encoded(success('after-2', 2)));
      expect((await backend.get('after-3'))?.result).toBe(3);
    } finally {
      raw.disconnect();
    }
  });
});

describe('unreachable server', () => {
  it('fails with a retryable ConnectionError', async () => {
    const port = await freePort();
    await using backend = createRedisBackend({
      url: `redis://127.0.0.1:${port}/0`,
      redisOptions: { retryStrategy: () => null, maxRetriesPerRequest: 0 },
    });
    const error: unknown = await backend.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).retryable).toBe(true);
    await expect(backend.get('x')).rejects.toBeInstanceOf(ConnectionError);
    await expect(backend.wait('x', { timeout: 10 })).rejects.toBeInstanceOf(ConnectionError);
  });
});
