// OpenTelemetry: the client's PRODUCER span and the worker's CONSUMER span of one task, linked
// through the message's `traceparent` header, named and attributed as Python's Celery
// instrumentation does; a failure marks the run's span as an error.
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Broker, Envelope } from '@celerity/core';
import { createMemoryBackend, createMemoryBroker, defineTask } from '@celerity/core';
import { createClient } from '@celerity/client';
import { createWorker } from '@celerity/worker';

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

beforeAll(() => {
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
});
afterAll(async () => {
  trace.disable();
  context.disable();
  await provider.shutdown();
});
beforeEach(() => exporter.reset());

const add = defineTask({ name: 't.add', params: ['x', 'y'] }, (x: number, y: number) => x + y);
// Starts a span of its own, after an await: it belongs to the run's trace.
const nested = defineTask({ name: 't.nested', params: [] }, async () => {
  await new Promise((resolve) => setTimeout(resolve, 5));
  trace.getTracer('app').startSpan('app.work').end();
  return 'ok';
});
const boom = defineTask({ name: 't.boom', params: [] }, () => {
  throw new RangeError('too far');
});

/** The parent span id of a span (sdk-trace-base 2.x: `parentSpanContext`). */
function parentOf(span: ReadableSpan): string | undefined {
  return (span as unknown as { parentSpanContext?: { spanId: string } }).parentSpanContext?.spanId;
}

/** A broker that keeps a copy of every envelope published. */
function recording(broker: Broker): { broker: Broker; published: Envelope[] } {
  const published: Envelope[] = [];
  const publish = broker.publish.bind(broker);
  broker.publish = (target, envelope, options) => {
    published.push(envelope);
    return publish(target, envelope, options);
  };
  return { broker, published };
}

describe('OpenTelemetry spans', () => {
  it('links the producer span of a send to the consumer span of its run through traceparent', async () => {
    const { broker, published } = recording(createMemoryBroker());
    const backend = createMemoryBackend();
    await using worker = createWorker({ broker, backend, tasks: [add, boom], hostname: 'w@h' });
    await worker.start();
    await using client = createClient({ broker, backend });
    const result = await client.task('t.add').delay(2, 3);
    await expect(result.get({ timeout: 5 })).resolves.toBe(5);
    await worker.idle();

    const spans = exporter.getFinishedSpans();
    const producer = spans.find((s) => s.name === 'apply_async/t.add');
    const consumer = spans.find((s) => s.name === 'run/t.add');
    expect(producer).toBeDefined();
    expect(consumer).toBeDefined();
    expect(producer!.kind).toBe(3); // SpanKind.PRODUCER
    expect(consumer!.kind).toBe(4); // SpanKind.CONSUMER
    expect(consumer!.spanContext().traceId).toBe(producer!.spanContext().traceId);
    expect(parentOf(consumer!)).toBe(producer!.spanContext().spanId);
    expect(producer!.attributes).toMatchObject({ 'celery.action': 'apply_async', 'celery.task_name': 't.add', 'messaging.message.id': result.id, 'messaging.destination': 'celery' });
    expect(consumer!.attributes).toMatchObject({ 'celery.action': 'run', 'celery.task_name': 't.add', 'messaging.message.id': result.id, 'messaging.destination': 'celery', 'celery.hostname': 'w@h' });
    expect(consumer!.status.code).toBe(0); // UNSET: no error

    // The W3C header in the message itself, as Python's instrumentation reads it.
    const headers = published[0]!.headers;
    expect(headers['traceparent']).toBe(`00-${producer!.spanContext().traceId}-${producer!.spanContext().spanId}-01`);
  });

  it('marks a failed run as an error, with the exception recorded', async () => {
    const broker = createMemoryBroker();
    const backend = createMemoryBackend();
    await using worker = createWorker({ broker, backend, tasks: [add, boom] });
    await worker.start();
    await using client = createClient({ broker, backend });
    await expect((await client.task('t.boom').delay()).get({ timeout: 5 })).rejects.toThrow();
    await worker.idle();
    const consumer = exporter.getFinishedSpans().find((s) => s.name === 'run/t.boom');
    expect(consumer?.status).toMatchObject({ code: 2, message: 'ValueError(too far)' }); // ERROR
    expect(consumer?.events.map((e) => e.name)).toContain('exception');
  });

  it('continues a trace whose traceparent came from elsewhere (a Python producer), and sends none with tracing off', async () => {
    const { broker, published } = recording(createMemoryBroker());
    const backend = createMemoryBackend();
    await using worker = createWorker({ broker, backend, tasks: [add] });
    await worker.start();
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    await using client = createClient({ broker, backend, tracing: false });
    const result = await client.task('t.add').applyAsync([1, 1], { headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` } });
    await expect(result.get({ timeout: 5 })).resolves.toBe(2);
    await worker.idle();
    const spans = exporter.getFinishedSpans();
    expect(spans.find((s) => s.name.startsWith('apply_async/'))).toBeUndefined();
    const consumer = spans.find((s) => s.name === 'run/t.add');
    expect(consumer?.spanContext().traceId).toBe(traceId);
    expect(parentOf(consumer!)).toBe('b7ad6b7169203331');
    expect(published[0]!.headers['traceparent']).toBe(`00-${traceId}-b7ad6b7169203331-01`);
  });

  it('makes no consumer span on a worker with tracing off', async () => {
    const broker = createMemoryBroker();
    const backend = createMemoryBackend();
    await using worker = createWorker({ broker, backend, tasks: [add], tracing: false });
    await worker.start();
    await using client = createClient({ broker, backend });
    await expect((await client.task('t.add').delay(2, 3)).get({ timeout: 5 })).resolves.toBe(5);
    await worker.idle();
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.name)).toContain('apply_async/t.add');
    expect(spans.find((s) => s.name === 'run/t.add')).toBeUndefined();
  });

  it('makes the spans a task body starts children of its run span', async () => {
    const broker = createMemoryBroker();
    const backend = createMemoryBackend();
    await using worker = createWorker({ broker, backend, tasks: [nested] });
    await worker.start();
    await using client = createClient({ broker, backend });
    await expect((await client.task('t.nested').delay()).get({ timeout: 5 })).resolves.toBe('ok');
    await worker.idle();
    const spans = exporter.getFinishedSpans();
    const run = spans.find((s) => s.name === 'run/t.nested');
    const inner = spans.find((s) => s.name === 'app.work');
    expect(inner?.spanContext().traceId).toBe(run?.spanContext().traceId);
    expect(parentOf(inner!)).toBe(run!.spanContext().spanId);
  });
});
