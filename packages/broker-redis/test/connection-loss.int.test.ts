/** Fault tests against a redis-server this test starts, kills and restarts (never the shared one). */
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectionError } from '@celerity/core';
import type { Delivery } from '@celerity/core';
import { createRedisBroker, type RedisBroker } from '../src/index.js';
import { startRedisServer, type RedisServer } from '@celerity/testing';
import { bodyOf, envelope, waitFor } from './helpers.js';

let server: RedisServer | undefined;
let broker: RedisBroker | undefined;

afterEach(async () => {
  await broker?.close();
  broker = undefined;
  await server?.kill();
  server = undefined;
});

describe('connection loss', () => {
  it('keeps consuming across a Redis restart without recreating the broker', async () => {
    server = await startRedisServer();
    broker = createRedisBroker({ url: server.url, keyPrefix: 'loss:', pollInterval: 0.2, publishTimeout: 20_000 });
    const got: Delivery[] = [];
    await broker.consume(['q'], (d) => {
      got.push(d);
      void d.ack().catch(() => undefined);
    }, { prefetch: 10 });
    await broker.publish({ queue: 'q' }, envelope('before'));
    await waitFor(() => got.length === 1);
    // The first connect is not a reconnect (metrics read this count).
    expect(broker.reconnects).toBe(0);

    await server.kill();
    // Published while the server is down: waits for the reconnect instead of failing.
    const during = broker.publish({ queue: 'q' }, envelope('during'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    await server.restart(); // empty server: scripts must be loaded again (NOSCRIPT)
    await during;
    await broker.publish({ queue: 'q' }, envelope('after'));
    await waitFor(() => got.length === 3, 30_000, 'consumption after the restart');
    expect(got.map((d) => bodyOf(d.envelope))).toEqual(['before', 'during', 'after']);
    expect(broker.reconnects).toBe(1);
  });

  it('fails a publish with ConnectionError when Redis stays down past the timeout', async () => {
    server = await startRedisServer();
    broker = createRedisBroker({ url: server.url, keyPrefix: 'down:' });
    await broker.connect();
    await server.kill();
    const error: unknown = await broker.publish({ queue: 'q' }, envelope('lost'), { timeout: 300 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as ConnectionError).retryable).toBe(true);
  });
});
