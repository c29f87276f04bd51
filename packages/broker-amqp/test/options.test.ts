import { ConfigurationError, createMemoryBroker } from '@celerity/core';
import { describe, expect, it } from 'vitest';
import { backendAdapter, brokerAdapter, createAmqpBroker, createRpcBackend } from '../src/index.js';
import { optionsFromSettings, resolveOptions } from '../src/options.js';

describe('broker options', () => {
  it('applies defaults and validates', () => {
    expect(resolveOptions({})).toMatchObject({ url: 'amqp://guest:guest@localhost:5672//', heartbeat: 60, publishTimeout: 10_000, queueType: 'classic' });
    expect(() => resolveOptions({ publishTimeout: -1 })).toThrow(ConfigurationError);
    expect(() => resolveOptions({ queueType: 'stream' as 'classic' })).toThrow(/queueType/);
    expect(resolveOptions({ heartbeat: 0 }).heartbeat).toBe(0);
  });

  it("declares the delay queues as quorum queues unless told otherwise (Celery's broker_native_delayed_delivery_queue_type)", () => {
    expect(resolveOptions({}).delayQueueType).toBe('quorum');
    expect(resolveOptions({ delayQueueType: 'classic' }).delayQueueType).toBe('classic');
    expect(() => resolveOptions({ delayQueueType: 'stream' as 'classic' })).toThrow(/delayQueueType/);
    expect(optionsFromSettings({ broker_native_delayed_delivery_queue_type: 'classic' })).toEqual({ delayQueueType: 'classic' });
    expect(optionsFromSettings({ delayQueueType: 'quorum' })).toEqual({ delayQueueType: 'quorum' });
  });

  it("reads adapter settings in our names and Celery's", () => {
    expect(optionsFromSettings({ broker_heartbeat: 10, task_default_queue_type: 'quorum', connection_name: 'w', unknown: 1 })).toEqual({ heartbeat: 10, queueType: 'quorum', connectionName: 'w' });
    expect(() => optionsFromSettings({ heartbeat: 'often' })).toThrow(ConfigurationError);
  });
});

describe('adapters', () => {
  it('creates brokers for amqp, amqps and pyamqp URLs without connecting', async () => {
    expect(brokerAdapter.schemes).toEqual(['amqp', 'amqps', 'pyamqp']);
    const broker = brokerAdapter.create('pyamqp://guest@localhost/vh', { options: { publishTimeout: 100 } });
    expect(broker.transport).toBe('amqp');
    expect(broker.capabilities).toEqual({ priorityOrder: 'high-first', broadcast: true, deadLetters: true });
    await broker.close();
  });

  it('needs an AMQP broker (or a URL) for rpc://', async () => {
    expect(backendAdapter.schemes).toEqual(['rpc']);
    const memory = createMemoryBroker();
    expect(() => backendAdapter.create('rpc://', { broker: memory })).toThrow(/amqp:\/\//);
    expect(() => backendAdapter.create('rpc://', {})).toThrow(ConfigurationError);
    expect(() => createRpcBackend({ broker: memory })).toThrow(/AMQP broker/);
    const broker = createAmqpBroker({ url: 'amqp://localhost//' });
    const backend = backendAdapter.create('rpc://', { broker, options: { replyTo: 'oid-1', result_persistent: true } });
    expect(backend.name).toBe('rpc');
    expect(backend.capabilities).toEqual({ persistent: false, replyQueue: true, chords: false });
    expect((backend as unknown as { replyTo: string }).replyTo).toBe('oid-1');
    await backend.close();
    await broker.close();
    await memory.close();
  });

  it('rejects chords as Celery does', async () => {
    const backend = createRpcBackend({ url: 'amqp://localhost//' });
    await expect(backend.chordInit('g', 2)).rejects.toThrow(/does not support chords/);
    await expect(backend.chordPartReturn('g', { taskId: 't', index: 0, status: 'SUCCESS', result: 1 })).rejects.toBeInstanceOf(ConfigurationError);
    await backend.close();
  });
});
