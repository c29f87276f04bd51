/** Test helpers: a fake worker on the memory broker and a broker wrapper that records publishes. */
import type { Broker, Envelope, PublishTarget, ResultBackend, ResultMeta, TaskMessage } from '@celerity/core';
import { createJsonSerializer, createMemoryBackend, createMemoryBroker, createSerializerRegistry, decodeTaskMessage } from '@celerity/core';

/** A fresh memory hub name, so tests never share queues or results. */
export function uniqueName(prefix = 'client-test'): string {
  return `${prefix}-${crypto.randomUUID()}`;
}

/** A memory broker and backend on private hubs. */
export function memoryPair(): { broker: Broker; backend: ResultBackend } {
  const name = uniqueName();
  return { broker: createMemoryBroker({ name }), backend: createMemoryBackend({ name }) };
}

/** Decodes an envelope the way a worker does. */
export function decode(envelope: Envelope): TaskMessage {
  return decodeTaskMessage(envelope, { serializers: createSerializerRegistry([createJsonSerializer()]) });
}

/** A record as Celery's worker stores it. */
export function meta(taskId: string, status: string, result: unknown, traceback: string | null = null): ResultMeta {
  return { status, result, traceback, children: [], date_done: status === 'SUCCESS' || status === 'FAILURE' ? '2026-11-23T18:48:30.428921+00:00' : null, task_id: taskId };
}

/**
 * Consumes `queues`, decodes each message and stores what `handle` returns (a status and result,
 * or nothing to store). Returns a stop function.
 */
export async function fakeWorker(
  broker: Broker,
  backend: ResultBackend,
  handle: (message: TaskMessage) => { status: string; result: unknown; traceback?: string } | undefined,
  queues: readonly string[] = ['celery'],
): Promise<{ stop(): Promise<void>; seen: TaskMessage[] }> {
  const seen: TaskMessage[] = [];
  const consumer = await broker.consume(
    queues,
    (delivery) => {
      const message = decode(delivery.envelope);
      seen.push(message);
      const outcome = handle(message);
      const store = outcome ? backend.store(meta(message.id, outcome.status, outcome.result, outcome.traceback ?? null)) : Promise.resolve();
      void store.then(() => delivery.ack());
    },
    { prefetch: 0 },
  );
  return { stop: () => consumer.cancel(), seen };
}

/** Everything published through a {@link RecordingBroker}. */
export interface Published {
  target: PublishTarget;
  envelope: Envelope;
}

/**
 * Wraps a broker and records publishes (`calls` counts round trips: one per publish / publishMany)
 * and declarations; `failWith` makes every publish reject.
 */
export class RecordingBroker implements Broker {
  readonly published: Published[] = [];
  readonly calls: Array<'publish' | 'publishMany'> = [];
  readonly declared: Array<{ queue: string; options: unknown }> = [];
  failWith: Error | null = null;
  closed = false;
  readonly #inner: Broker;

  constructor(inner: Broker) {
    this.#inner = inner;
  }
  get transport(): string {
    return this.#inner.transport;
  }
  get capabilities(): Broker['capabilities'] {
    return this.#inner.capabilities;
  }
  connect(): Promise<void> {
    return this.#inner.connect();
  }
  async declareQueue(queue: string, options?: Parameters<Broker['declareQueue']>[1]): Promise<void> {
    this.declared.push({ queue, options });
    await this.#inner.declareQueue(queue, options);
  }
  async publish(target: PublishTarget, envelope: Envelope): Promise<void> {
    this.calls.push('publish');
    if (this.failWith) throw this.failWith;
    this.published.push({ target, envelope });
    await this.#inner.publish(target, envelope);
  }
  async publishMany(items: ReadonlyArray<{ target: PublishTarget; envelope: Envelope }>): Promise<void> {
    this.calls.push('publishMany');
    if (this.failWith) throw this.failWith;
    this.published.push(...items);
    await this.#inner.publishMany(items);
  }
  consume(...args: Parameters<Broker['consume']>): ReturnType<Broker['consume']> {
    return this.#inner.consume(...args);
  }
  purge(queue: string): Promise<number> {
    return this.#inner.purge(queue);
  }
  size(queue: string): Promise<number> {
    return this.#inner.size(queue);
  }
  broadcast(...args: Parameters<Broker['broadcast']>): Promise<void> {
    return this.#inner.broadcast(...args);
  }
  subscribe(...args: Parameters<Broker['subscribe']>): ReturnType<Broker['subscribe']> {
    return this.#inner.subscribe(...args);
  }
  async close(): Promise<void> {
    this.closed = true;
    await this.#inner.close();
  }
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
  /** Decoded messages, in publish order. */
  messages(): TaskMessage[] {
    return this.published.map((p) => decode(p.envelope));
  }
}
