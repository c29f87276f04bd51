import { describe, expect, it } from 'vitest';
import { defineTask } from '@celerity/core';
import { createClient } from '@celerity/client';
import { RecordingBroker, fakeWorker, memoryPair } from './helpers.js';

describe('sendMany', () => {
  it('publishes everything in one publishMany call, in order', async () => {
    const pair = memoryPair();
    const broker = new RecordingBroker(pair.broker);
    await using client = createClient({ broker, backend: pair.backend });
    const items = Array.from({ length: 500 }, (_, i) => ({ task: 'tasks.add', args: [i, i] }));
    const results = await client.sendMany(items);
    expect(broker.calls).toEqual(['publishMany']);
    expect(results).toHaveLength(500);
    expect(new Set(results.map((r) => r.id)).size).toBe(500);
    const messages = broker.messages();
    expect(messages.map((m) => m.id)).toEqual(results.map((r) => r.id));
    expect(messages.map((m) => m.args)).toEqual(items.map((i) => i.args));
    expect(await pair.broker.size('celery')).toBe(500);
    await broker.close();
    await pair.backend.close();
  });

  it('takes kwargs, options and definitions per item; results resolve', async () => {
    const pair = memoryPair();
    const broker = new RecordingBroker(pair.broker);
    await using client = createClient({ broker, backend: pair.backend });
    const echo = defineTask({ name: 'tasks.echo', queue: 'echoes' }, (x: unknown) => x);
    const results = await client.sendMany([
      { task: 'tasks.add', args: [1], kwargs: { y: 2 } },
      { task: echo, args: ['hi'] },
      { task: 'tasks.add', args: [3, 4], options: { queue: 'other', priority: 2 } },
    ]);
    expect(broker.published.map((p) => p.target.queue)).toEqual(['celery', 'echoes', 'other']);
    expect(broker.messages()[0]!.kwargs).toEqual({ y: 2 });
    expect(broker.declared.map((d) => d.queue).sort()).toEqual(['celery', 'echoes', 'other']);
    const worker = await fakeWorker(pair.broker, pair.backend, (m) => ({ status: 'SUCCESS', result: m.task }), ['celery', 'echoes', 'other']);
    expect(await Promise.all(results.map((r) => r.get({ timeout: 5 })))).toEqual(['tasks.add', 'tasks.echo', 'tasks.add']);
    await worker.stop();
    await broker.close();
    await pair.backend.close();
  });

  it('sends nothing for an empty list', async () => {
    const broker = new RecordingBroker(memoryPair().broker);
    await using client = createClient({ broker });
    expect(await client.sendMany([])).toEqual([]);
    expect(broker.calls).toEqual([]);
    await broker.close();
  });

  it('publishes nothing when one item is invalid', async () => {
    const broker = new RecordingBroker(memoryPair().broker);
    await using client = createClient({ broker });
    await expect(client.sendMany([{ task: 'a' }, { task: 'b', options: { priority: -1 } }])).rejects.toThrow(/priority/);
    expect(broker.published).toEqual([]);
    await broker.close();
  });
});
