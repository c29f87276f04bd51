import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from 'ioredis';
import type { BroadcastMessage, Delivery } from '@celerity/core';
import { ClosedError } from '@celerity/core';
import { createRedisBroker, type RedisBroker, type RedisBrokerOptions } from '../src/index.js';
import { deleteKeys } from '@celerity/testing';
import { REDIS_URL, bodyOf, envelope, inspector, randomPrefix, waitFor } from './helpers.js';

let redis: Redis;
const prefixes: string[] = [];
const brokers: RedisBroker[] = [];

function broker(options: RedisBrokerOptions = {}): RedisBroker {
  const keyPrefix = options.keyPrefix ?? randomPrefix();
  prefixes.push(keyPrefix);
  const b = createRedisBroker({ url: REDIS_URL, pollInterval: 0.2, ...options, keyPrefix });
  brokers.push(b);
  return b;
}

function collect(): { deliveries: Delivery[]; handler: (d: Delivery) => void } {
  const deliveries: Delivery[] = [];
  return { deliveries, handler: (d) => void deliveries.push(d) };
}

beforeAll(() => {
  redis = inspector();
});
afterEach(async () => {
  await Promise.all(brokers.splice(0).map((b) => b.close()));
  for (const prefix of prefixes.splice(0)) await deleteKeys(redis, `${prefix}*`);
});
afterAll(async () => {
  await redis.quit();
});

describe('publish and consume', () => {
  it('delivers what was published, with transport fields', async () => {
    const b = broker();
    await b.declareQueue('q');
    const sent = envelope([[2], { y: 3 }, null], { task: 'tasks.add', id: 'id-1' }, { correlationId: 'id-1', replyTo: 'oid', priority: 0, deliveryMode: 2, extra: { origin: 'gen1@h' } });
    await b.publish({ queue: 'q' }, sent);
    const { deliveries, handler } = collect();
    await b.consume(['q'], handler);
    await waitFor(() => deliveries.length === 1);
    const d = deliveries[0]!;
    expect(bodyOf(d.envelope)).toEqual([[2], { y: 3 }, null]);
    expect(d.envelope.headers).toEqual({ task: 'tasks.add', id: 'id-1' });
    expect(d.envelope.properties).toEqual({ correlationId: 'id-1', replyTo: 'oid', priority: 0, deliveryMode: 2, extra: { origin: 'gen1@h' } });
    expect([d.queue, d.exchange, d.routingKey, d.redelivered]).toEqual(['q', '', 'q', false]);
    expect(await redis.hexists(`${b.keyPrefix}unacked`, d.deliveryTag)).toBe(1);
    await d.ack();
    expect(await redis.hexists(`${b.keyPrefix}unacked`, d.deliveryTag)).toBe(0);
    expect(await redis.zscore(`${b.keyPrefix}unacked_index`, d.deliveryTag)).toBeNull();
  });

  it('takes priority 0 first (kombu order) and keeps FIFO within a priority', async () => {
    const b = broker();
    for (const [n, priority] of [[1, 9], [2, 5], [3, 0], [4, 3], [5, 0], [6, 7]] as const) {
      await b.publish({ queue: 'q' }, envelope(n, {}, { priority }));
    }
    expect(await b.size('q')).toBe(6);
    const { deliveries, handler } = collect();
    await b.consume(['q'], handler, { prefetch: 10 });
    await waitFor(() => deliveries.length === 6);
    expect(deliveries.map((d) => bodyOf(d.envelope))).toEqual([3, 5, 2, 4, 6, 1]);
  });

  it('empties every queue at one priority step before the next step', async () => {
    const b = broker();
    await b.publish({ queue: 'a' }, envelope('a5', {}, { priority: 5 }));
    await b.publish({ queue: 'b' }, envelope('b0', {}, { priority: 0 }));
    await b.publish({ queue: 'a' }, envelope('a0', {}, { priority: 0 }));
    await b.publish({ queue: 'b' }, envelope('b9', {}, { priority: 9 }));
    const { deliveries, handler } = collect();
    await b.consume(['a', 'b'], handler, { prefetch: 1 });
    const seen: unknown[] = [];
    await waitFor(async () => {
      const next = deliveries[seen.length];
      if (next) {
        seen.push(bodyOf(next.envelope));
        await next.ack();
      }
      return seen.length === 4;
    });
    expect(seen.slice(0, 2).sort()).toEqual(['a0', 'b0']);
    expect(seen.slice(2)).toEqual(['a5', 'b9']);
  });

  it('publishMany keeps order and consumption acks everything', async () => {
    const b = broker({ batchSize: 50 });
    const items = Array.from({ length: 1200 }, (_, i) => ({ target: { queue: i % 3 === 0 ? 'x' : 'y' }, envelope: envelope(i) }));
    await b.publishMany(items);
    expect(await b.size('x')).toBe(400);
    expect(await b.size('y')).toBe(800);
    const got: number[] = [];
    const acks: Promise<void>[] = [];
    await b.consume(['x', 'y'], (d) => {
      got.push(bodyOf(d.envelope) as number);
      acks.push(d.ack());
    }, { prefetch: 200 });
    await waitFor(() => got.length === 1200);
    await Promise.all(acks);
    expect(got.filter((n) => n % 3 === 0)).toEqual(items.map((_, i) => i).filter((n) => n % 3 === 0));
    expect(got.filter((n) => n % 3 !== 0)).toEqual(items.map((_, i) => i).filter((n) => n % 3 !== 0));
    expect(await redis.hlen(`${b.keyPrefix}unacked`)).toBe(0);
    expect(await redis.zcard(`${b.keyPrefix}unacked_index`)).toBe(0);
  });

  it('publishMany pushes the text publish pushes (it sends bytes, publish a string)', async () => {
    const b = broker();
    const sent = envelope({ s: 'é "quoted" \\ \n' }, { task: 'tasks.add', id: 'id-é', stamps: ['x'] }, { correlationId: 'id-é', priority: 3, extra: { origin: 'gen1@hôte' } });
    await b.publish({ queue: 'one' }, sent);
    await b.publishMany([{ target: { queue: 'many' }, envelope: sent }]);
    const [one] = await redis.lrange(`${b.keyPrefix}one\x06\x163`, 0, -1);
    const [many] = await redis.lrange(`${b.keyPrefix}many\x06\x163`, 0, -1);
    const withoutTag = (raw: string | undefined) => raw?.replace(/"delivery_tag": "[^"]*"/, '"delivery_tag": "-"').replace('"routing_key": "many"', '"routing_key": "one"');
    expect(one).toMatch(/"delivery_tag": "[^"]+"/);
    expect(withoutTag(many)).toBe(withoutTag(one));
  });

  it('respects prefetch and setPrefetch', async () => {
    const b = broker();
    for (let i = 0; i < 5; i++) await b.publish({ queue: 'q' }, envelope(i));
    const { deliveries, handler } = collect();
    const consumer = await b.consume(['q'], handler, { prefetch: 2 });
    await waitFor(() => deliveries.length === 2);
    // The loop has nothing in flight once the window is full, so the queue holds exactly the rest.
    expect(await b.size('q')).toBe(3);
    expect(await redis.hlen(`${b.keyPrefix}unacked`)).toBe(2);
    consumer.setPrefetch(3);
    await waitFor(() => deliveries.length === 3);
    await deliveries[0]!.ack();
    await waitFor(() => deliveries.length === 4);
    expect(await b.size('q')).toBe(1);
  });

  it('reject with requeue puts the message at the back, marked redelivered', async () => {
    const b = broker();
    await b.publish({ queue: 'q' }, envelope('first', { task: 't' }));
    await b.publish({ queue: 'q' }, envelope('second', { task: 't' }));
    const { deliveries, handler } = collect();
    await b.consume(['q'], handler, { prefetch: 1 });
    await waitFor(() => deliveries.length === 1);
    await deliveries[0]!.reject({ requeue: true });
    await waitFor(() => deliveries.length === 2);
    await deliveries[1]!.ack();
    await waitFor(() => deliveries.length === 3);
    expect(deliveries.map((d) => [bodyOf(d.envelope), d.redelivered])).toEqual([['first', false], ['second', false], ['first', true]]);
    expect(deliveries[2]!.envelope.headers['redelivered']).toBe(true);
    expect(deliveries[2]!.deliveryTag).toBe(deliveries[0]!.deliveryTag);
  });

  it('reject without requeue drops the message', async () => {
    const b = broker();
    await b.publish({ queue: 'q' }, envelope('x'));
    const { deliveries, handler } = collect();
    await b.consume(['q'], handler);
    await waitFor(() => deliveries.length === 1);
    await deliveries[0]!.reject();
    expect(await redis.hlen(`${b.keyPrefix}unacked`)).toBe(0);
    expect(await b.size('q')).toBe(0);
  });

  it('wakes a blocked consumer when a message arrives and stops on cancel', async () => {
    const b = broker({ pollInterval: 5 });
    const { deliveries, handler } = collect();
    const consumer = await b.consume(['q'], handler);
    await new Promise((resolve) => setTimeout(resolve, 100)); // let it reach BLMOVE
    // Priority 0: the list BLMOVE itself waits on (watchers cover the others: see the next test).
    await b.publish({ queue: 'q' }, envelope('late'));
    await waitFor(() => deliveries.length === 1, 4_000, 'delivered before the 5 s poll');
    expect(bodyOf(deliveries[0]!.envelope)).toBe('late');
    await deliveries[0]!.ack();
    await consumer.cancel(); // CLIENT UNBLOCK: must not wait for the 5 s BLMOVE timeout to lose anything
    await b.publish({ queue: 'q' }, envelope('after cancel'));
    expect(await b.size('q')).toBe(1);
    expect(deliveries.length).toBe(1);
  });

  it('wakes a blocked consumer for a priority list and for its other queue, without reordering them', async () => {
    const b = broker({ pollInterval: 5 });
    const { deliveries, handler } = collect();
    await b.consume(['q', 'other'], handler, { prefetch: 10 });
    await new Promise((resolve) => setTimeout(resolve, 100)); // blocked on q's ordinary list
    await b.publish({ queue: 'q' }, envelope('urgent', {}, { priority: 6 }));
    await waitFor(() => deliveries.length === 1, 4_000, 'priority message delivered before the 5 s poll');
    await new Promise((resolve) => setTimeout(resolve, 100));
    await b.publishMany(['o1', 'o2', 'o3'].map((body) => ({ target: { queue: 'other' }, envelope: envelope(body) })));
    await waitFor(() => deliveries.length === 4, 4_000, "the other queue's messages delivered before the 5 s poll");
    expect(deliveries.map((d) => bodyOf(d.envelope))).toEqual(['urgent', 'o1', 'o2', 'o3']);
    await Promise.all(deliveries.map((d) => d.ack()));
    await waitFor(async () => (await redis.hlen(`${b.keyPrefix}unacked`)) === 0);
    expect(await b.size('q')).toBe(0);
    expect(await b.size('other')).toBe(0);
  });

  it('records a message taken while blocked in unacked before the handler sees it (no pop gap)', async () => {
    const b = broker({ pollInterval: 5 });
    const recordedWhenHandled: Array<Promise<number>> = [];
    await b.consume(['q'], (d) => {
      const recorded = redis.hexists(`${b.keyPrefix}unacked`, d.deliveryTag);
      recordedWhenHandled.push(recorded);
      void recorded.then(() => d.ack());
    }, { prefetch: 4 });
    for (const n of [1, 2, 3]) {
      await new Promise((resolve) => setTimeout(resolve, 100)); // blocked in BLMOVE again
      await b.publish({ queue: 'q' }, envelope(n));
      await waitFor(() => recordedWhenHandled.length === n);
    }
    expect(await Promise.all(recordedWhenHandled)).toEqual([1, 1, 1]);
  });

  it('records a blocked-pop message that is still held on the next turn, and removes it on ack', async () => {
    const b = broker({ pollInterval: 5 });
    const { deliveries, handler } = collect();
    await b.consume(['q'], handler, { prefetch: 4 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await b.publish({ queue: 'q' }, envelope('held'));
    await waitFor(() => deliveries.length === 1);
    const d = deliveries[0]!;
    await waitFor(async () => (await redis.hexists(`${b.keyPrefix}unacked`, d.deliveryTag)) === 1);
    expect(await redis.zscore(`${b.keyPrefix}unacked_index`, d.deliveryTag)).not.toBeNull();
    await d.ack();
    expect(await redis.hexists(`${b.keyPrefix}unacked`, d.deliveryTag)).toBe(0);
    expect(await redis.zscore(`${b.keyPrefix}unacked_index`, d.deliveryTag)).toBeNull();
  });

  // The consumer blocks again at the end of the handler's turn with the turn's acks written ahead of
  // its BLMOVE on the same connection: they must take effect at once, not when that BLMOVE ends.
  for (const flushed of [false, true]) {
    it(`does an early ack of a blocked pop at once while it blocks again${flushed ? ', also after the server lost its script cache' : ''}`, async () => {
      const b = broker({ pollInterval: 5 });
      const acked: Array<{ tag: string; done: Promise<number> }> = [];
      await b.consume(['q'], (d) => {
        const started = Date.now();
        acked.push({ tag: d.deliveryTag, done: d.ack().then(() => Date.now() - started) });
      }, { prefetch: 4 });
      for (const n of [1, 2, 3]) {
        await new Promise((resolve) => setTimeout(resolve, 100)); // blocked in BLMOVE again
        if (flushed) await redis.script('FLUSH');
        await b.publish({ queue: 'q' }, envelope(n));
        await waitFor(() => acked.length === n);
        const { tag, done } = acked[n - 1]!;
        // Well under the 5 s BLMOVE the ack was written ahead of.
        expect(await done).toBeLessThan(2_000);
        expect(await redis.hexists(`${b.keyPrefix}unacked`, tag)).toBe(0);
        expect(await redis.zscore(`${b.keyPrefix}unacked_index`, tag)).toBeNull();
      }
    });
  }

  it('fetches a batch after a blocked pop when more messages wait', async () => {
    const b = broker({ pollInterval: 5 });
    const { deliveries, handler } = collect();
    await b.consume(['q'], handler, { prefetch: 10 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await b.publishMany(Array.from({ length: 6 }, (_, i) => ({ target: { queue: 'q' }, envelope: envelope(i) })));
    await waitFor(() => deliveries.length === 6);
    expect(deliveries.map((d) => bodyOf(d.envelope))).toEqual([0, 1, 2, 3, 4, 5]);
    for (const d of deliveries) await d.ack();
    expect(await redis.hlen(`${b.keyPrefix}unacked`)).toBe(0);
  });

  it('purges every priority list and counts what it removed', async () => {
    const b = broker();
    for (const priority of [0, 4, 8, 9]) await b.publish({ queue: 'q' }, envelope(priority, {}, { priority }));
    expect(await b.purge('q')).toBe(4);
    expect(await b.size('q')).toBe(0);
  });

  it('has the next batch on its way before the first message of a batch reaches the handler', async () => {
    const b = broker({ batchSize: 10 });
    await b.publishMany(Array.from({ length: 50 }, (_, i) => ({ target: { queue: 'q' }, envelope: envelope(i) })));
    let sizeAtFirst: Promise<number> | undefined;
    const { deliveries, handler } = collect();
    await b.consume(['q'], (d) => {
      handler(d);
      void d.ack();
      // Same connection as the fetches, so Redis answers it after the fetch sent before this hand-out.
      sizeAtFirst ??= b.size('q');
    }, { prefetch: 100 });
    await waitFor(() => deliveries.length === 50);
    expect(await sizeAtFirst).toBe(30);
  });

  it('asks for the next batch while handing one out, and a cancel in between loses and repeats nothing', async () => {
    const b = broker({ batchSize: 10 });
    await b.publishMany(Array.from({ length: 200 }, (_, i) => ({ target: { queue: 'q' }, envelope: envelope(i) })));
    const got: number[] = [];
    let consumer: Awaited<ReturnType<RedisBroker['consume']>> | undefined;
    let cancelling: Promise<void> | undefined;
    consumer = await b.consume(['q'], (d) => {
      got.push(bodyOf(d.envelope) as number);
      void d.ack();
      // Cancel from inside a batch: the fetch asked for ahead of it is in flight.
      if (got.length === 25) cancelling = consumer!.cancel();
    }, { prefetch: 100 });
    await waitFor(() => cancelling !== undefined);
    await cancelling;
    const left = await b.size('q');
    expect(new Set(got).size).toBe(got.length);
    expect(got.length + left).toBe(200);
    expect(got).toEqual(Array.from({ length: got.length }, (_, i) => i));
    await waitFor(async () => (await redis.hlen(`${b.keyPrefix}unacked`)) === 0);
  });

  it('close() gives held messages back at the front of the queue, marked redelivered', async () => {
    const b = broker();
    await b.publish({ queue: 'q' }, envelope('held', { task: 't' }, { priority: 3 }));
    await b.publish({ queue: 'q' }, envelope('waiting', { task: 't' }, { priority: 3 }));
    const { deliveries, handler } = collect();
    await b.consume(['q'], handler);
    await waitFor(() => deliveries.length === 1);
    await b.close();
    await expect(b.publish({ queue: 'q' }, envelope('x'))).rejects.toBeInstanceOf(ClosedError);
    const list = await redis.lrange(`${b.keyPrefix}q\x06\x163`, 0, -1);
    expect(list.length).toBe(2);
    const next = JSON.parse(list[1]!) as { headers: Record<string, unknown>; properties: { delivery_info: Record<string, unknown> } };
    expect(next.headers['redelivered']).toBe(true);
    expect(next.properties.delivery_info['redelivered']).toBe(true);
    expect(await redis.hlen(`${b.keyPrefix}unacked`)).toBe(0);
    await deliveries[0]!.ack(); // after close: a no-op, must not throw
  });
});

describe('broadcast', () => {
  it('publishes on kombu channel names and delivers to matching pattern subscriptions', async () => {
    const b = broker();
    const all: BroadcastMessage[] = [];
    const workers: BroadcastMessage[] = [];
    const fanout: BroadcastMessage[] = [];
    const subAll = await b.subscribe('celeryev', '#', (m) => void all.push(m));
    await b.subscribe('celeryev', 'worker.#', (m) => void workers.push(m));
    await b.subscribe('celery.pidbox', '', (m) => void fanout.push(m));
    const raw: string[] = [];
    const spy = redis.duplicate();
    await spy.psubscribe(`${b.keyPrefix}/0.*`);
    spy.on('pmessage', (_p: string, channel: string) => void raw.push(channel));

    await b.broadcast('celeryev', 'worker.heartbeat', envelope({ type: 'worker-heartbeat' }, { hostname: 'w@h' }, { deliveryMode: 1 }));
    await b.broadcast('celeryev', 'task.multi', envelope([{ type: 'task-sent' }], { hostname: 'w@h' }, { deliveryMode: 1 }));
    await b.broadcast('celery.pidbox', '', envelope({ method: 'ping' }, { clock: 1 }));
    await waitFor(() => all.length === 2 && workers.length === 1 && fanout.length === 1 && raw.length === 3);
    expect(all.map((m) => m.routingKey)).toEqual(['worker.heartbeat', 'task.multi']);
    expect(workers[0]).toMatchObject({ exchange: 'celeryev', routingKey: 'worker.heartbeat' });
    expect(bodyOf(workers[0]!.envelope)).toEqual({ type: 'worker-heartbeat' });
    expect(fanout[0]).toMatchObject({ exchange: 'celery.pidbox', routingKey: '' });
    expect(raw.sort()).toEqual([`${b.keyPrefix}/0.celery.pidbox`, `${b.keyPrefix}/0.celeryev/task.multi`, `${b.keyPrefix}/0.celeryev/worker.heartbeat`]);

    await subAll.unsubscribe();
    await b.broadcast('celeryev', 'worker.offline', envelope({ type: 'worker-offline' }, {}, { deliveryMode: 1 }));
    await waitFor(() => workers.length === 2);
    expect(all.length).toBe(2);
    await spy.quit();
  });

  it('broadcastJsonText publishes the text as the body, and subscribers read the JSON', async () => {
    const b = broker();
    const heard: BroadcastMessage[] = [];
    await b.subscribe('celeryev', 'task.#', (m) => void heard.push(m));
    const raw: string[] = [];
    const spy = redis.duplicate();
    await spy.psubscribe(`${b.keyPrefix}/0.celeryev/*`);
    spy.on('pmessage', (_p: string, _channel: string, message: string) => void raw.push(message));
    const json = JSON.stringify([{ type: 'task-started', uuid: 'say "hi"' }]);
    await b.broadcastJsonText('celeryev', 'task.multi', [JSON.stringify(json).slice(1, -1)], { contentType: 'application/json', contentEncoding: 'utf-8', headers: { hostname: 'w@h' }, properties: { deliveryMode: 1 } });
    await waitFor(() => heard.length === 1 && raw.length === 1);
    expect(heard[0]).toMatchObject({ exchange: 'celeryev', routingKey: 'task.multi' });
    expect(bodyOf(heard[0]!.envelope)).toEqual([{ type: 'task-started', uuid: 'say "hi"' }]);
    // What kombu reads: the body string itself, no body_encoding.
    const message = JSON.parse(raw[0]!) as { body: unknown; properties: Record<string, unknown> };
    expect(message.body).toBe(json);
    expect(message.properties).not.toHaveProperty('body_encoding');
    await spy.quit();
  });
});
