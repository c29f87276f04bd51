/** Celery 5.5's native delayed delivery topology and routing keys (spec 5.3–5.6 §3.3), without a server. */
import type { Channel } from 'amqplib';
import { ConfigurationError } from '@celerity/core';
import { describe, expect, it } from 'vitest';
import {
  bindForDelayedDelivery,
  checkDelayableQueue,
  declareDelayTopology,
  DELAY_ENTRY_EXCHANGE,
  delayRoutingKey,
  deliveryBindingKey,
  levelQueueArguments,
  MAX_DELAY_SECONDS,
  withoutDeathHeaders,
} from '../src/delayed-delivery.js';

/** Records what a declaration would send to RabbitMQ. */
function recordingChannel(): { channel: Channel; calls: unknown[][] } {
  const calls: unknown[][] = [];
  const record = (name: string) => async (...args: unknown[]) => void calls.push([name, ...args]);
  const channel = { assertExchange: record('exchange'), assertQueue: record('queue'), bindQueue: record('bindQueue'), bindExchange: record('bindExchange') } as unknown as Channel;
  return { channel, calls };
}

describe('delayRoutingKey', () => {
  it("spells the delay in 28 bits, most significant first, then the queue's key (the spec's examples)", () => {
    expect(delayRoutingKey(10, 'celery')).toBe('0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.1.0.celery');
    expect(delayRoutingKey(3600, 'celery')).toBe('0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.1.1.0.0.0.0.1.0.0.0.0.celery');
    expect(delayRoutingKey(MAX_DELAY_SECONDS, 'q')).toBe(`${'1.'.repeat(28)}q`);
    expect(DELAY_ENTRY_EXCHANGE).toBe('celery_delayed_27');
  });

  it('refuses delays it cannot spell, and an empty key', () => {
    for (const bad of [0, 0.5, -1, MAX_DELAY_SECONDS + 1, Number.NaN]) expect(() => delayRoutingKey(bad, 'celery')).toThrow(RangeError);
    expect(() => delayRoutingKey(1, '')).toThrow(RangeError);
  });
});

describe('the topology', () => {
  it("gives each level kombu's queue arguments", () => {
    expect(levelQueueArguments(27, 'quorum')).toEqual({
      'x-queue-type': 'quorum',
      'x-overflow': 'reject-publish',
      'x-message-ttl': 2 ** 27 * 1000,
      'x-dead-letter-exchange': 'celery_delayed_26',
      'x-dead-letter-strategy': 'at-least-once',
    });
    expect(levelQueueArguments(0, 'classic')).toEqual({ 'x-queue-type': 'classic', 'x-overflow': 'reject-publish', 'x-message-ttl': 1000, 'x-dead-letter-exchange': 'celery_delayed_delivery' });
  });

  it('declares 28 levels and their bindings as the spec lists them', async () => {
    const { channel, calls } = recordingChannel();
    await declareDelayTopology(channel, 'quorum');
    const of = (kind: string) => calls.filter((call) => call[0] === kind);
    expect(of('exchange')).toHaveLength(29);
    expect(of('queue')).toHaveLength(28);
    expect(of('exchange')).toContainEqual(['exchange', 'celery_delayed_delivery', 'topic', { durable: true, autoDelete: false }]);
    expect(of('bindQueue')).toContainEqual(['bindQueue', 'celery_delayed_27', 'celery_delayed_27', '1.#']);
    expect(of('bindQueue')).toContainEqual(['bindQueue', 'celery_delayed_0', 'celery_delayed_0', `${'*.'.repeat(27)}1.#`]);
    expect(of('bindExchange')).toHaveLength(28);
    expect(of('bindExchange')).toContainEqual(['bindExchange', 'celery_delayed_26', 'celery_delayed_27', '0.#']);
    expect(of('bindExchange')).toContainEqual(['bindExchange', 'celery_delayed_delivery', 'celery_delayed_0', `${'*.'.repeat(27)}0.#`]);
    const queue = of('queue').find((call) => call[1] === 'celery_delayed_3');
    expect(queue?.[2]).toMatchObject({ durable: true, autoDelete: false, exclusive: false, arguments: { 'x-message-ttl': 8000, 'x-dead-letter-exchange': 'celery_delayed_2' } });
  });

  it('binds a queue where delayed messages come out, by its name', async () => {
    const { channel, calls } = recordingChannel();
    await bindForDelayedDelivery(channel, 'tasks.high');
    expect(calls).toEqual([['bindQueue', 'tasks.high', 'celery_delayed_delivery', '#.tasks.high']]);
    expect(deliveryBindingKey('#.x')).toBe('#.x');
  });

  it('refuses queue names a topic binding would misread', () => {
    for (const bad of ['', 'a.*', 'b#']) expect(() => checkDelayableQueue(bad)).toThrow(ConfigurationError);
    expect(() => checkDelayableQueue('celery')).not.toThrow();
  });
});

describe('withoutDeathHeaders', () => {
  it("drops RabbitMQ's dead-letter bookkeeping and keeps the rest, the ETA included", () => {
    const headers = {
      id: 'x',
      eta: '2030-01-01T00:00:00+00:00',
      'x-death': [{ count: 1, queue: 'celery_delayed_1' }],
      'x-first-death-queue': 'celery_delayed_1',
      'x-first-death-reason': 'expired',
      'x-last-death-exchange': 'celery_delayed_1',
      'x-custom': 1,
    };
    expect(withoutDeathHeaders(headers)).toEqual({ id: 'x', eta: '2030-01-01T00:00:00+00:00', 'x-custom': 1 });
  });
});
