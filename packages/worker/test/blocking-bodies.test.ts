// Which task bodies block is learned from the synchronous part of their last call; a blocking body
// starts only after the acks-late runs ending around it and a flush of the batched acks. The
// worker's clock is a fake one moved on inside a task body, so nothing here spins or sleeps.
import { describe, expect, it } from 'vitest';
import type { Broker, Delivery } from '@celerity/core';
import { createMemoryBackend, createMemoryBroker, createJsonSerializer, defineTask, encodeTaskMessage } from '@celerity/core';
import { createWorker } from '@celerity/worker';
import { BLOCKING_MS, BlockingBodies } from '../src/blocking-bodies.js';
import { createFakeClock } from './fake-clock.js';
import { until } from './event-loop.js';

const json = createJsonSerializer();

describe('BlockingBodies', () => {
  it('learns per task from the last call whether its body blocks', () => {
    const bodies = new BlockingBodies();
    const a = defineTask({ name: 'a', params: [] }, () => 1);
    const b = defineTask({ name: 'b', params: [] }, () => 1);
    bodies.record(a, BLOCKING_MS);
    bodies.record(b, BLOCKING_MS - 1);
    expect([bodies.blocks(a), bodies.blocks(b)]).toEqual([true, false]);
    bodies.record(a, 0);
    expect(bodies.blocks(a)).toBe(false);
  });

  it('lets a blocking body start only after the runs ending now, then flushes the acks', async () => {
    const bodies = new BlockingBodies();
    const events: string[] = [];
    const broker = { flushAcks: () => void events.push('flushAcks') } as unknown as Broker;
    let end!: () => void;
    bodies.trackEnding(new Promise<void>((resolve) => (end = resolve)).then(() => void events.push('ended')));
    const ready = bodies.beforeBlocking(broker).then(() => void events.push('body may start'));
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect(events).toEqual([]);
    end();
    await ready;
    expect(events).toEqual(['ended', 'flushAcks', 'body may start']);
  });
});

describe('the worker before a blocking body', () => {
  it('flushes the batched acks (its own early ack included) before a body known to block, not before others', async () => {
    const clock = createFakeClock();
    const events: string[] = [];
    const memory = createMemoryBroker({ name: `bb-${crypto.randomUUID()}` });
    // The memory broker batches nothing; this one records when acks are asked for and flushed.
    const broker: Broker = Object.assign(Object.create(memory) as Broker, {
      flushAcks: () => void events.push('flushAcks'),
      consume: (queues: readonly string[], handler: (d: Delivery) => void, options?: object) =>
        memory.consume(queues, (d) => handler(Object.assign(Object.create(d) as Delivery, { ack: () => (events.push(`ack ${d.envelope.headers['id'] as string}`), d.ack()) })), options),
    });
    const heavy = defineTask({ name: 'test.heavy', params: ['tag'] }, (tag: string) => {
      events.push(`body ${tag}`);
      clock.advance(BLOCKING_MS * 5); // the body holds the event loop this long, by the worker's clock
      return tag;
    });
    const light = defineTask({ name: 'test.light', params: ['tag'] }, (tag: string) => void events.push(`body ${tag}`));
    const worker = createWorker({ broker, backend: createMemoryBackend({ name: `bb-${crypto.randomUUID()}` }), tasks: [heavy, light], clock, concurrency: 1 });
    await worker.start();
    for (const [task, id] of [['test.heavy', 'h1'], ['test.light', 'l1'], ['test.heavy', 'h2']] as const) {
      await memory.publish({ queue: 'celery' }, encodeTaskMessage({ task, id, args: [id] }, { serializer: json }));
      await until(() => events.includes(`body ${id}`));
      await worker.idle();
    }
    await worker.stop();
    // h1: not known to block yet; l1: short; h2: known to block, so its early ack is flushed first.
    expect(events).toEqual(['ack h1', 'body h1', 'ack l1', 'body l1', 'ack h2', 'flushAcks', 'body h2']);
  });
});
