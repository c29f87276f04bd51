import { describe, expect, it, vi } from 'vitest';
import type { Broker, ResultBackend } from '@celerity/core';
import { ClosedError, ConfigurationError, ConnectionError, TaskError, TimeoutError, UnknownSchemeError, createMemoryBackend } from '@celerity/core';
import { createClient } from '@celerity/client';
import { RecordingBroker, fakeWorker, memoryPair, meta, uniqueName } from './helpers.js';

describe('send and get', () => {
  it('returns what the worker stored, after PENDING', async () => {
    const { broker, backend } = memoryPair();
    await using client = createClient({ broker, backend });
    const result = await client.send<[number, number], number>('tasks.add', [2, 3]);
    expect(await result.state()).toBe('PENDING');
    expect(await result.ready()).toBe(false);
    const worker = await fakeWorker(broker, backend, (m) => ({ status: 'SUCCESS', result: (m.args[0] as number) + (m.args[1] as number) }));
    expect(await result.get({ timeout: 5 })).toBe(5);
    expect(await result.state()).toBe('SUCCESS');
    expect(await result.successful()).toBe(true);
    expect(await result.failed()).toBe(false);
    expect(await result.result()).toBe(5);
    expect((await result.dateDone())?.toISOString()).toBe('2026-11-23T18:48:30.428Z');
    expect(worker.seen.map((m) => m.id)).toEqual([result.id]);
    await worker.stop();
    await broker.close();
    await backend.close();
  });

  it('reads a result by id (client.result)', async () => {
    const { broker, backend } = memoryPair();
    await using client = createClient({ broker, backend });
    await backend.store(meta('stored-elsewhere', 'SUCCESS', { ok: true }));
    expect(await client.result('stored-elsewhere').get()).toEqual({ ok: true });
    expect(await client.result('never-sent').state()).toBe('PENDING');
  });

  it('times out with a TimeoutError naming the task and the timeout', async () => {
    const { broker, backend } = memoryPair();
    await using client = createClient({ broker, backend });
    const result = await client.send('tasks.slow', []);
    const error = await result.get({ timeout: 0.03 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as Error).message).toContain(result.id);
    expect((error as Error).message).toContain('0.03 s');
  });

  it('counts get({ timeout }) in seconds: 2 means 2000 ms (fake clock)', async () => {
    const { broker, backend } = memoryPair();
    await using client = createClient({ broker, backend });
    const result = await client.send('tasks.slow', []);
    vi.useFakeTimers();
    try {
      let settled: unknown = 'pending';
      void result.get({ timeout: 2 }).then(
        () => (settled = 'resolved'),
        (e: unknown) => (settled = e),
      );
      await vi.advanceTimersByTimeAsync(1999);
      expect(settled).toBe('pending');
      await vi.advanceTimersByTimeAsync(1);
      expect(settled).toBeInstanceOf(TimeoutError);
    } finally {
      vi.useRealTimers();
    }
  });

  it('turns FAILURE into a TaskError with the remote exception', async () => {
    const { broker, backend } = memoryPair();
    await using client = createClient({ broker, backend });
    const worker = await fakeWorker(broker, backend, () => ({
      status: 'FAILURE',
      result: { exc_type: 'ValueError', exc_message: ['boom ☃'], exc_module: 'builtins' },
      traceback: 'Traceback (most recent call last):\n  ...\nValueError: boom ☃\n',
    }));
    const result = await client.send('tasks.fail', []);
    const error = await result.get({ timeout: 5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskError);
    const taskError = error as TaskError;
    expect(taskError.taskId).toBe(result.id);
    expect(taskError.state).toBe('FAILURE');
    expect(taskError.excType).toBe('ValueError');
    expect(taskError.excModule).toBe('builtins');
    expect(taskError.excMessage).toEqual(['boom ☃']);
    expect(taskError.traceback).toContain('ValueError: boom');
    expect(await result.failed()).toBe(true);
    expect(await result.traceback()).toContain('Traceback');
    await worker.stop();
    await broker.close();
    await backend.close();
  });

  it('turns REVOKED into a TaskError too', async () => {
    const { broker, backend } = memoryPair();
    await using client = createClient({ broker, backend });
    await backend.store(meta('revoked-id', 'REVOKED', { exc_type: 'TaskRevokedError', exc_message: ['expired'], exc_module: 'celery.exceptions' }));
    const error = await client.result('revoked-id').get().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskError);
    expect((error as TaskError).state).toBe('REVOKED');
    expect((error as TaskError).excMessage).toEqual(['expired']);
  });

  it('forgets a result', async () => {
    const { broker, backend } = memoryPair();
    await using client = createClient({ broker, backend });
    await backend.store(meta('to-forget', 'SUCCESS', 1));
    const result = client.result('to-forget');
    expect(await result.get()).toBe(1);
    await result.forget();
    expect(await result.state()).toBe('PENDING');
  });
});

describe('results disabled', () => {
  it('sends, but reading the result is a ConfigurationError', async () => {
    const { broker } = memoryPair();
    await using client = createClient({ broker });
    expect(client.backend).toBeNull();
    const result = await client.send('tasks.add', [1, 1]);
    expect(await broker.size('celery')).toBe(1);
    await expect(result.get()).rejects.toThrow(ConfigurationError);
    await expect(result.state()).rejects.toThrow(/no result backend/);
    await broker.close();
  });
});

describe('watching results', () => {
  it('watches each sent id before publishing, but not when the result is ignored', async () => {
    const inner = createMemoryBackend({ name: uniqueName() });
    const watched: string[] = [];
    const backend: ResultBackend = Object.assign(Object.create(inner) as ResultBackend, { watch: (id: string) => void watched.push(id) });
    const broker = new RecordingBroker(memoryPair().broker);
    await using client = createClient({ broker, backend });
    const sent = await client.send('tasks.add', [1, 2]);
    await client.send('tasks.add', [1, 2], { ignoreResult: true });
    expect(watched).toEqual([sent.id]);
    await inner.close();
    await broker.close();
  });

  it('with a reply-queue backend: tells watch the reply_to it sends, and publishes once the watch settles', async () => {
    const inner = createMemoryBackend({ name: uniqueName() });
    const requests: Array<[string, unknown]> = [];
    let ready!: () => void;
    let refuse!: (error: Error) => void;
    const pending = [new Promise<void>((resolve) => (ready = resolve)), new Promise<void>((_, reject) => (refuse = reject))];
    const backend: ResultBackend = Object.assign(Object.create(inner) as ResultBackend, {
      capabilities: { persistent: false, replyQueue: true, chords: false },
      watch: (id: string, request?: unknown) => {
        requests.push([id, request]);
        return pending[requests.length - 1];
      },
    });
    const broker = new RecordingBroker(memoryPair().broker);
    await using client = createClient({ broker, backend, appId: 'the-app' });
    const sending = client.send('tasks.add', [1, 2]);
    await vi.waitFor(() => expect(requests).toHaveLength(1));
    await new Promise((resolve) => setImmediate(resolve));
    expect(broker.published).toHaveLength(0);
    ready();
    const sent = await sending;
    expect(requests[0]).toEqual([sent.id, { replyTo: 'the-app' }]);
    expect(broker.published[0]?.envelope.properties.replyTo).toBe('the-app');
    // A reply queue that cannot be consumed fails the send: its result would have nowhere to go.
    const failure = new ConnectionError('reply queue unavailable');
    refuse(failure);
    await expect(client.send('tasks.add', [3, 4])).rejects.toBe(failure);
    expect(broker.published).toHaveLength(1);
    await inner.close();
    await broker.close();
  });
});

describe('errors', () => {
  it('rejects with the broker error when a publish fails', async () => {
    const broker = new RecordingBroker(memoryPair().broker);
    await using client = createClient({ broker });
    const failure = new ConnectionError('Connection to broker lost');
    broker.failWith = failure;
    await expect(client.send('tasks.add', [1, 2])).rejects.toBe(failure);
    await expect(client.sendMany([{ task: 'a' }, { task: 'b' }])).rejects.toBe(failure);
    await broker.close();
  });

  it('names the package to install for an unknown URL scheme', () => {
    expect(() => createClient({ broker: 'sqs://queue' })).toThrow(UnknownSchemeError);
    expect(() => createClient({ broker: 'amqp://localhost' })).toThrow(/@celerity\/broker-amqp/);
    expect(() => createClient({ broker: 'memory://', backend: 'redis://localhost' })).toThrow(/@celerity\/backend-redis/);
  });

  it('needs msgpack passed in before selecting it by name', () => {
    expect(() => createClient({ serializer: 'msgpack' })).toThrow(/createMsgpackSerializer/);
  });

  it('needs task definitions in eager mode', () => {
    expect(() => createClient({ eager: true })).toThrow(ConfigurationError);
  });

  it('refuses to send after close', async () => {
    const client = createClient({ broker: `memory://${uniqueName()}` });
    await client.close();
    await client.close();
    await expect(client.send('tasks.add', [1, 2])).rejects.toThrow(ClosedError);
  });
});

describe('disposal', () => {
  it('closes what it created from URLs and leaves injected instances open', async () => {
    const injected = new RecordingBroker(memoryPair().broker);
    const backendUrl = `memory://${uniqueName()}`;
    let owned: ResultBackend | null = null;
    {
      await using client = createClient({ broker: injected, backend: backendUrl });
      owned = client.backend;
      await client.connect();
    }
    expect(injected.closed).toBe(false);
    await expect(owned!.get('x')).rejects.toThrow(ClosedError);
    let ownedBroker: Broker | null = null;
    {
      await using client = createClient({ broker: `memory://${uniqueName()}` });
      await client.send('tasks.add', [1, 1]);
      ownedBroker = client.broker;
    }
    await expect(ownedBroker!.size('celery')).rejects.toThrow(ClosedError);
    await injected.close();
  });
});

describe('queue declaration', () => {
  it('declares each queue once, with the configured declaration', async () => {
    const broker = new RecordingBroker(memoryPair().broker);
    await using client = createClient({ broker, queues: { prio: { maxPriority: 10 } } });
    await client.send('a', []);
    await client.send('a', []);
    await client.send('a', [], { queue: 'prio' });
    await client.sendMany([{ task: 'a', options: { queue: 'prio' } }, { task: 'a', options: { queue: 'other' } }]);
    await client.send('a', [], { exchange: 'custom', queue: 'routed-elsewhere' });
    expect(broker.declared).toEqual([
      { queue: 'celery', options: undefined },
      { queue: 'prio', options: { maxPriority: 10 } },
      { queue: 'other', options: undefined },
    ]);
    await broker.close();
  });

  it('can be turned off', async () => {
    const broker = new RecordingBroker(memoryPair().broker);
    await using client = createClient({ broker, declareQueues: false });
    await client.send('a', []);
    expect(broker.declared).toEqual([]);
    expect(broker.published).toHaveLength(1);
    await broker.close();
  });
});
