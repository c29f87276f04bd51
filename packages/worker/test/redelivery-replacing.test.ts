// A counted copy must not start before the original it replaces is acked: a copy that killed its
// process (a poison task) with the original's ack still unwritten left two copies under one number
// (the chaos harness saw a poison run 6 and 7 times with maxDeliveries 5).
import { describe, expect, it } from 'vitest';
import type { Delivery } from '@celerity/core';
import { createJsonSerializer, createMemoryBroker, createSerializerRegistry, decodeTaskMessage, encodeTaskMessage, silentLogger, systemClock } from '@celerity/core';
import type { ExecutionContext } from '../src/execute.js';
import { createRedeliveryPolicy } from '../src/redelivery.js';

const json = createJsonSerializer();

describe('replacing a redelivered message by its counted copy', () => {
  it('marks the task as being replaced from before the copy is published until the original is acked', async () => {
    const broker = createMemoryBroker({ name: `rr-${crypto.randomUUID()}` });
    const ctx: ExecutionContext = {
      broker,
      backend: null,
      serializer: json,
      logger: silentLogger,
      clock: systemClock,
      defaultQueue: 'celery',
      origin: 'test',
      hostname: 'test@host',
      writer: null,
      trackStarted: false,
      acksLate: true,
      resultExtended: false,
      signal: new AbortController().signal,
    };
    const policy = createRedeliveryPolicy({ maxDeliveries: 5, ctx });
    const envelope = encodeTaskMessage({ task: 'tests.poison', id: 'poison-1', args: [] }, { serializer: json });
    let ackWritten!: () => void;
    const delivery: Delivery = {
      envelope,
      queue: 'celery',
      exchange: '',
      routingKey: 'celery',
      redelivered: true,
      deliveryTag: 'original',
      ack: () => new Promise<void>((resolve) => (ackWritten = resolve)),
      reject: async () => {},
    };
    const message = decodeTaskMessage(envelope, { serializers: createSerializerRegistry([json]) });
    expect(policy.intercepts(delivery)).toBe(true);
    const handled = policy.handle(delivery, message);
    // Set before the publish resolves: the copy may reach this worker first.
    const replacing = policy.replacing('poison-1');
    expect(replacing).toBeDefined();
    let released = false;
    void replacing!.then(() => (released = true));
    await new Promise((resolve) => setTimeout(resolve, 20)); // the copy is published, the ack not written
    expect(await broker.size('celery')).toBe(1);
    expect(released).toBe(false);
    ackWritten();
    expect(await handled).toBe(false);
    expect(released).toBe(true);
    expect(policy.replacing('poison-1')).toBeUndefined();
  });
});
