/**
 * Issue 16, a leader that dies mid-send, against the real servers: a Redis broker (the claim and the
 * LPUSH are one script on the store's Redis: no tick lost, none twice) and RabbitMQ (claim, publish
 * with confirm, clear: a tick whose leader died before the publish is sent once by the next leader; one
 * whose leader died after the broker took it but before the clear is sent twice, with one task id).
 * A "dead" leader is a runner whose send never returns (or is held back, then let go, for a paused one):
 * a SIGKILL stops a process at such a point; the lease then runs out in Redis in real time.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import type { Clock, Delivery } from '@celerity/core';
import { createAmqpBroker } from '@celerity/broker-amqp';
import { createRedisBroker } from '@celerity/broker-redis';
import { BeatRunner, BeatStore, createBrokerTickPusher, createBrokerTickSender, defineSchedule, every, type TickPusher, type TickSender } from '@celerity/beat';
import { deleteKeys, waitFor } from '@celerity/testing';
import { createTestVhost } from '../../broker-amqp/test/vhost.js';

const REDIS_URL = 'redis://127.0.0.1:6379/0';
const redis = new Redis(REDIS_URL);
const id = randomUUID().slice(0, 8);
const prefixes: string[] = [];
const queues: string[] = [];
const cleanups: Array<() => Promise<unknown>> = [];
const LEASE_MS = 1000;

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  for (const prefix of prefixes) await deleteKeys(redis, `${prefix}*`);
  if (queues.length > 0) await redis.del(...queues);
  redis.disconnect();
});

function manualClock(start: number): Clock & { set(ms: number): void } {
  let now = start;
  return { now: () => now, setTimeout: () => undefined, clearTimeout: () => undefined, set: (ms) => void (now = ms) };
}

function fresh(): { store: BeatStore; queue: string; clock: ReturnType<typeof manualClock> } {
  const prefix = `celerity-test-beat-takeover-${id}-${prefixes.length}:`;
  const queue = `celerity-test-beat-takeover-q-${id}-${queues.length}`;
  prefixes.push(prefix);
  queues.push(queue);
  const store = new BeatStore(redis, { prefix });
  return { store, queue, clock: manualClock(10_500) };
}

const never = new Promise<never>(() => undefined);

/** A runner on the shared store whose steps are called by hand; the lease is real (Redis PX). */
function runner(store: BeatStore, clock: Clock, deliver: { send: TickSender } | { push: TickPusher }): BeatRunner {
  return new BeatRunner({ store, clock, leaseMs: LEASE_MS, pollMs: 100, ...deliver });
}

/** Steps `runner` until it leads: once the dead leader's lease ran out. */
async function takeOver(next: BeatRunner): Promise<void> {
  await waitFor(
    async () => {
      await next.step();
      return next.token !== undefined;
    },
    { timeout: 20_000, interval: 50 },
  );
}

describe('beat takeover between claim and publish', () => {
  it('Redis broker: the claim and the LPUSH are one script; a leader dead before or after it loses no tick and doubles none', async () => {
    const { store, queue, clock } = fresh();
    await store.put(defineSchedule({ tick: { task: 'tasks.tick', schedule: every(1), options: { queue } } }));
    const broker = createRedisBroker({ url: REDIS_URL });
    cleanups.push(() => broker.close());
    await broker.connect();
    const other = createRedisBroker({ url: 'redis://127.0.0.1:6379/1' });
    cleanups.push(() => other.close());
    await other.connect();
    expect(await store.sharesRedisWith(broker)).toBe(true);
    expect(await store.sharesRedisWith(other)).toBe(false);
    const push = createBrokerTickPusher(broker);

    // a is stopped before its script for 11 s (a process paused, or killed, there).
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const a = runner(store, clock, { push: async (entry, tick, taskId) => (tick === 11_000 ? await held : undefined, push(entry, tick, taskId)) });
    await a.step();
    clock.set(11_000);
    const aStep = a.step();
    const b = runner(store, clock, { push });
    await takeOver(b); // b queues 11 s
    clock.set(12_000);
    await b.step();
    release();
    await aStep; // a's claim of 11 s finds its token stale: nothing queued
    expect(a.token).toBeUndefined();

    // b dies right after its script for 13 s: c does not queue 13 s again.
    clock.set(13_000);
    await b.step();
    const c = runner(store, clock, { push });
    await takeOver(c);
    clock.set(14_000);
    await c.step();

    const queued = (await redis.lrange(queue, 0, -1)).reverse().map((raw) => (JSON.parse(raw) as { headers: { beat_tick: string; id: string } }).headers);
    expect(queued.map((h) => Date.parse(h.beat_tick))).toEqual([11_000, 12_000, 13_000, 14_000]);
    expect(queued.map((h) => h.id)).toEqual([11_000, 12_000, 13_000, 14_000].map((t) => store.taskId('tick', t)));
  }, 60_000);

  it('RabbitMQ: dead before the publish, the tick is sent once by the next leader; dead after the confirm but before the clear, twice with one task id', async () => {
    const { store, queue, clock } = fresh();
    // expires: RabbitMQ drops a message past it (the default is the 1 s between ticks), and this test reads them later.
    await store.put(defineSchedule({ tick: { task: 'tasks.tick', schedule: every(1), options: { queue, expires: 600 } } }));
    const vhost = await createTestVhost();
    cleanups.push(() => vhost.dispose());
    const broker = createAmqpBroker({ url: vhost.url });
    cleanups.push(() => broker.close());
    await broker.connect();
    const send = createBrokerTickSender(broker);

    // a dies after claiming 11 s, before publishing it.
    const a = runner(store, clock, { send: async (entry, tick, taskId) => (tick === 11_000 ? never : send(entry, tick, taskId)) });
    await a.step();
    clock.set(11_000);
    void a.step();
    await waitFor(async () => (await store.get('tick'))?.pending?.tick === 11_000, { timeout: 10_000 });
    // b re-sends 11 s; then dies after the broker confirmed 12 s, before clearing it.
    const b = runner(store, clock, { send: async (entry, tick, taskId) => (await send(entry, tick, taskId), tick === 12_000 ? never : undefined) });
    await takeOver(b);
    clock.set(12_000);
    void b.step();
    await waitFor(async () => (await broker.size(queue)) === 2, { timeout: 10_000 });
    const c = runner(store, clock, { send });
    await takeOver(c); // c re-sends 12 s with its task id
    clock.set(13_000);
    await c.step();
    expect((await store.get('tick'))?.pending).toBeUndefined();

    expect(await broker.size(queue)).toBe(4);
    const got: Delivery[] = [];
    const consumer = await broker.consume([queue], (delivery) => {
      got.push(delivery);
      void delivery.ack();
    });
    await waitFor(() => got.length === 4, { timeout: 10_000 });
    await consumer.cancel();
    const headers = got.map((d) => d.envelope.headers as { beat_tick: string; id: string });
    expect(headers.map((h) => Date.parse(h.beat_tick))).toEqual([11_000, 12_000, 12_000, 13_000]);
    expect(headers.map((h) => h.id)).toEqual([11_000, 12_000, 12_000, 13_000].map((t) => store.taskId('tick', t)));
  }, 90_000);
});
