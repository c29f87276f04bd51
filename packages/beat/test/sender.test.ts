import { describe, expect, it } from 'vitest';
import { createSerializerRegistry, decodeTaskMessage, jsonSerializer, type Envelope, type PublishTarget } from '@celerity/core';
import { at, createBrokerTickSender, createTickSender, cron, defineSchedule, every, type TaskSendingClient } from '../src/index.js';

const [ping, report, once] = defineSchedule({
  ping: { task: 'tasks.ping', schedule: every(30), args: [1], kwargs: { loud: true }, options: { queue: 'periodic', priority: 7 } },
  report: { task: 'tasks.report', schedule: cron('0 * * * *'), options: { expires: 5 } },
  once: { task: 'tasks.once', schedule: at('2026-05-01T10:00:00Z') },
});

describe('createTickSender (through a client)', () => {
  it("sends the entry's task, args and options, expires defaulting to the interval, the tick in a header", async () => {
    const calls: Parameters<TaskSendingClient['send']>[] = [];
    const send = createTickSender({ send: async (...args) => void calls.push(args) });
    await send(ping!, 60_000, 'id-1');
    await send(report!, Date.parse('2026-01-01T05:00:00Z'), 'id-2');
    await send(once!, Date.parse('2026-05-01T10:00:00Z'), 'id-3');
    expect(calls).toEqual([
      ['tasks.ping', [1], { taskId: 'id-1', kwargs: { loud: true }, queue: 'periodic', priority: 7, expires: 30, headers: { beat_tick: '1970-01-01T00:01:00.000Z' } }],
      ['tasks.report', [], { taskId: 'id-2', kwargs: {}, expires: 5, headers: { beat_tick: '2026-01-01T05:00:00.000Z' } }],
      ['tasks.once', [], { taskId: 'id-3', kwargs: {}, headers: { beat_tick: '2026-05-01T10:00:00.000Z' } }],
    ]);
  });
});

describe('createBrokerTickSender', () => {
  it('publishes a Celery task message to the entry queue (else the default), declared once', async () => {
    const declared: string[] = [];
    const published: Array<{ target: PublishTarget; envelope: Envelope }> = [];
    const send = createBrokerTickSender(
      { declareQueue: async (q) => void declared.push(q), publish: async (target, envelope) => void published.push({ target, envelope }) },
      { defaultQueue: 'beat-default', now: () => 1_000_000 },
    );
    await send(ping!, 60_000);
    await send(ping!, 90_000);
    await send(report!, 3_600_000, 'given-id');
    expect(declared).toEqual(['periodic', 'beat-default']);
    expect(published.map((p) => p.target)).toEqual([{ queue: 'periodic' }, { queue: 'periodic' }, { queue: 'beat-default' }]);
    const message = decodeTaskMessage(published[0]!.envelope, { serializers: createSerializerRegistry([jsonSerializer]) });
    expect(message).toMatchObject({ task: 'tasks.ping', args: [1], kwargs: { loud: true } });
    expect(message.expires?.getTime()).toBe(1_000_000 + 30_000);
    expect(published[0]!.envelope.headers['beat_tick']).toBe('1970-01-01T00:01:00.000Z');
    expect(published[0]!.envelope.properties.priority).toBe(7);
    // Without a task id (beat run-now) each send gets a new one; with one (the runner's), that one.
    expect(published[0]!.envelope.headers['id']).not.toBe(published[1]!.envelope.headers['id']);
    expect(published[2]!.envelope.headers['id']).toBe('given-id');
  });
});
