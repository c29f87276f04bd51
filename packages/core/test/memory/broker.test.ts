import { randomSuffix, waitFor } from '@celerity/testing';
import { afterEach, describe, expect, it } from 'vitest';
import type { Broker, BroadcastMessage, Delivery, Envelope, Logger } from '../../src/index.js';
import { ClosedError, ConfigurationError, EncodeError, createMemoryBroker } from '../../src/index.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const env = (text: string, extra: Partial<Envelope> = {}): Envelope => ({
  body: encoder.encode(text),
  contentType: 'text/plain',
  contentEncoding: 'utf-8',
  headers: {},
  properties: {},
  ...extra,
});
const text = (d: { envelope: Envelope }): string => decoder.decode(d.envelope.body);

const open: Broker[] = [];
const make = (...args: Parameters<typeof createMemoryBroker>): Broker => {
  const broker = createMemoryBroker(...args);
  open.push(broker);
  return broker;
};
afterEach(async () => {
  for (const broker of open.splice(0)) await broker.close();
});

describe('memory broker', () => {
  it('shares queues between brokers created with the same name, and only those', async () => {
    const hub = `shared-${randomSuffix()}`;
    const [client, worker, stranger] = [make({ name: hub }), make({ name: hub }), make({ name: `${hub}-other` })];
    await client.publish({ queue: 'q' }, env('hi'));
    expect(await worker.size('q')).toBe(1);
    expect(await stranger.size('q')).toBe(0);
    const got: Delivery[] = [];
    await worker.consume(['q'], (d) => void got.push(d));
    await waitFor(() => got.length === 1);
    expect(text(got[0] as Delivery)).toBe('hi');
  });

  it('never calls the handler inside publish / broadcast (delivery is asynchronous)', async () => {
    const broker = make({ name: `async-${randomSuffix()}` });
    const calls: string[] = [];
    await broker.consume(['q'], (d) => void calls.push(text(d)));
    await broker.subscribe('ex', '', (m) => void calls.push(`b:${decoder.decode(m.envelope.body)}`));
    const publishing = broker.publish({ queue: 'q' }, env('m'));
    const broadcasting = broker.broadcast('ex', 'k', env('x'));
    expect(calls).toEqual([]);
    await Promise.all([publishing, broadcasting]);
    expect(calls).toEqual([]);
    await waitFor(() => calls.length === 2);
    expect(calls.sort()).toEqual(['b:x', 'm']);
  });

  it('reports its capabilities and transport', () => {
    expect(make().capabilities).toEqual({ priorityOrder: 'low-first', broadcast: true, deadLetters: true });
    expect(make({ priorityOrder: 'high-first' }).capabilities.priorityOrder).toBe('high-first');
    expect(make().transport).toBe('memory');
    expect(() => createMemoryBroker({ priorityOrder: 'sideways' as 'low-first' })).toThrow(ConfigurationError);
  });

  it('orders all ten priority levels, not only kombu steps', async () => {
    const broker = make({ name: `pri-${randomSuffix()}` });
    const priorities = [5, 1, 9, 0, 2, 8, 3, 7, 4, 6];
    for (const priority of priorities) await broker.publish({ queue: 'q' }, env(String(priority), { properties: { priority } }));
    await broker.publish({ queue: 'q' }, env('none'));
    const got: string[] = [];
    await broker.consume(['q'], (d) => {
      got.push(text(d));
      void d.ack();
    });
    await waitFor(() => got.length === 11);
    expect(got).toEqual(['0', 'none', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  });

  it('takes from several queues in turn so one full queue cannot starve another', async () => {
    const broker = make({ name: `rr-${randomSuffix()}` });
    for (let i = 0; i < 3; i++) {
      await broker.publish({ queue: 'a' }, env(`a${i}`));
      await broker.publish({ queue: 'b' }, env(`b${i}`));
    }
    const got: string[] = [];
    await broker.consume(['a', 'b'], (d) => void got.push(text(d)), { prefetch: 0 });
    await waitFor(() => got.length === 6);
    expect(got).toEqual(['a0', 'b0', 'a1', 'b1', 'a2', 'b2']);
  });

  it('prefetch 0 means unlimited; invalid prefetch is a ConfigurationError', async () => {
    const broker = make({ name: `p0-${randomSuffix()}` });
    for (let i = 0; i < 50; i++) await broker.publish({ queue: 'q' }, env(`m${i}`));
    const got: Delivery[] = [];
    const consumer = await broker.consume(['q'], (d) => void got.push(d), { prefetch: 0 });
    await waitFor(() => got.length === 50);
    await expect(broker.consume(['q'], () => undefined, { prefetch: -1 })).rejects.toBeInstanceOf(ConfigurationError);
    expect(() => consumer.setPrefetch(1.5)).toThrow(ConfigurationError);
    await expect(broker.consume([], () => undefined)).rejects.toBeInstanceOf(ConfigurationError);
  });

  it('a second ack/reject of one delivery fails; ack after close says CLOSED', async () => {
    const broker = make({ name: `settle-${randomSuffix()}` });
    await broker.publish({ queue: 'q' }, env('a'));
    await broker.publish({ queue: 'q' }, env('b'));
    const got: Delivery[] = [];
    await broker.consume(['q'], (d) => void got.push(d), { prefetch: 2 });
    await waitFor(() => got.length === 2);
    await got[0]?.ack();
    await expect(got[0]?.ack()).rejects.toMatchObject({ code: 'DELIVERY_SETTLED' });
    await expect(got[0]?.reject({ requeue: true })).rejects.toMatchObject({ code: 'DELIVERY_SETTLED' });
    await broker.close();
    await expect(got[1]?.ack()).rejects.toBeInstanceOf(ClosedError);
  });

  it('a throwing handler is logged and its delivery stays unacked until close gives it back', async () => {
    const hub = `throw-${randomSuffix()}`;
    const errors: string[] = [];
    const logger: Logger = { debug() {}, info() {}, warn() {}, error: (message) => void errors.push(message) };
    const broker = make({ name: hub, logger });
    await broker.publish({ queue: 'q' }, env('boom'));
    await broker.consume(['q'], () => {
      throw new Error('handler bug');
    });
    await waitFor(() => errors.length === 1);
    expect(errors[0]).toMatch(/handler/);
    expect(await broker.size('q')).toBe(0);
    await broker.close();
    const next = make({ name: hub });
    expect(await next.size('q')).toBe(1);
  });

  it('rejects bad publishes without storing anything', async () => {
    const broker = make({ name: `bad-${randomSuffix()}` });
    await expect(broker.publish({ queue: '' }, env('x'))).rejects.toBeInstanceOf(ConfigurationError);
    const unclonable = env('x', { headers: { fn: () => 1 } });
    await expect(broker.publishMany([{ target: { queue: 'q' }, envelope: env('ok') }, { target: { queue: 'q' }, envelope: unclonable }]))
      .rejects.toBeInstanceOf(EncodeError);
    expect(await broker.size('q')).toBe(0);
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(broker.publish({ queue: 'q' }, env('x'), { signal: controller.signal })).rejects.toThrow('stop');
  });

  it('messages outlive the broker that published them (the hub keeps them)', async () => {
    const hub = `idle-${randomSuffix()}`;
    const first = createMemoryBroker({ name: hub });
    await first.publish({ queue: 'kept' }, env('k'));
    await first.close();
    const second = make({ name: hub });
    expect(await second.size('kept')).toBe(1);
    expect(await second.purge('kept')).toBe(1);
  });

  it('delivers broadcasts to subscribers of other brokers on the same hub with their own copies', async () => {
    const hub = `bc-${randomSuffix()}`;
    const [a, b] = [make({ name: hub }), make({ name: hub })];
    const seen: BroadcastMessage[] = [];
    await a.subscribe('celeryev', 'task.#', (m) => {
      m.envelope.headers['touched'] = true;
      seen.push(m);
    });
    await b.subscribe('celeryev', 'task.*', (m) => void seen.push(m));
    await b.broadcast('celeryev', 'task.succeeded', env('e', { headers: { n: 1 } }));
    await waitFor(() => seen.length === 2);
    // The first subscriber changed its copy; the second still sees the original.
    expect(seen.map((m) => m.envelope.headers)).toEqual([{ n: 1, touched: true }, { n: 1 }]);
  });
});
