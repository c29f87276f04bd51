/**
 * The bench's event monitor on a private Redis: it counts every message published on kombu's
 * `celeryev` channels, large ones split across socket reads included, and reads one back.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@celerity/testing';
import { startRedisServer } from '@celerity/testing/redis';
import type { RedisServer } from '@celerity/testing/redis';
import { EventMonitor } from '../src/events/event-monitor.js';

let server: RedisServer;
let redis: Redis;

beforeAll(async () => {
  server = await startRedisServer();
  redis = new Redis(server.url);
});

afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

// kombu's Redis envelope of a list of events, as a worker publishes it (the fields the monitor reads).
const envelope = (events: Array<Record<string, unknown>>): string =>
  JSON.stringify({ body: Buffer.from(JSON.stringify(events)).toString('base64'), 'content-type': 'application/json', properties: { body_encoding: 'base64', delivery_info: { exchange: 'celeryev', routing_key: 'task.multi' } } });

describe('EventMonitor', () => {
  it('counts the messages on /0.celeryev/*, small and large, and reads the first one back', async () => {
    const monitor = await EventMonitor.start(server.url);
    try {
      const big = Array.from({ length: 2000 }, (_, i) => ({ type: 'task-started', uuid: `id-${i}`, hostname: 'w@test' }));
      // A worker's first message is worker-online, alone: the sample skips it.
      await redis.publish('/0.celeryev/worker.online', envelope([{ type: 'worker-online' }]));
      await redis.publish('/0.celeryev/task.multi', envelope([{ type: 'task-received', uuid: 'a' }, { type: 'task-started', uuid: 'a' }]));
      for (let i = 0; i < 50; i++) await redis.publish('/0.celeryev/task.multi', envelope(i % 10 === 0 ? big : [{ type: 'task-succeeded', uuid: String(i) }]));
      // Another exchange's channel is not heard.
      await redis.publish('/0.celery.pidbox/x', 'not an event');
      await waitFor(() => monitor.heard >= 52, { message: '52 messages heard' });
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(monitor.heard).toBe(52);
      expect(monitor.bytes).toBeGreaterThan(5 * 2000 * 40);
      expect(monitor.sampled()).toEqual({ channel: '/0.celeryev/task.multi', types: ['task-received', 'task-started'] });

      monitor.reset();
      expect(monitor.heard).toBe(0);
      expect(() => monitor.sampled()).toThrow('no task.multi message');
      await redis.publish('/0.celeryev/task.multi', JSON.stringify({ body: Buffer.from('[{"uuid":"x"}]').toString('base64'), properties: { body_encoding: 'base64' } }));
      await waitFor(() => monitor.heard >= 1, { message: 'a message heard' });
      expect(() => monitor.sampled()).toThrow('without a type');
    } finally {
      monitor.close();
    }
  });

  it('reads back a list sent as text (no body_encoding, as a Celerity worker sends it on Redis), and refuses another encoding', async () => {
    const monitor = await EventMonitor.start(server.url);
    try {
      const text = (events: Array<Record<string, unknown>>, properties: Record<string, unknown> = {}): string =>
        JSON.stringify({ body: JSON.stringify(events), 'content-type': 'application/json', properties: { ...properties, delivery_info: { exchange: 'celeryev', routing_key: 'task.multi' } } });
      await redis.publish('/0.celeryev/task.multi', text([{ type: 'task-received', uuid: 'a' }, { type: 'task-succeeded', uuid: 'a' }]));
      await waitFor(() => monitor.heard >= 1, { message: 'a message heard' });
      expect(monitor.sampled()).toEqual({ channel: '/0.celeryev/task.multi', types: ['task-received', 'task-succeeded'] });

      monitor.reset();
      await redis.publish('/0.celeryev/task.multi', text([{ type: 'task-started', uuid: 'b' }], { body_encoding: 'gzip' }));
      await waitFor(() => monitor.heard >= 1, { message: 'a message heard' });
      expect(() => monitor.sampled()).toThrow('not a kombu envelope with a base64 or text body');
    } finally {
      monitor.close();
    }
  });
});
