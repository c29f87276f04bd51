/**
 * OpenTelemetry context across languages (Python Celery 5.2 and 5.5, Redis): the W3C `traceparent`
 * travels as a message header, where Python's Celery instrumentation injects and reads it. Python
 * sends a task with a `traceparent` header (as its instrumentation's producer would) and the
 * Celerity worker's consumer span continues that trace; a Celerity client's producer span reaches a
 * Python task as `self.request.traceparent`, which its instrumentation extracts.
 */
import { context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '@celerity/testing';
import { useRedisFleet } from './harness/fleet.js';
import type { PythonCeleryVersion } from './harness/python.js';
import { PYTHON_CELERY_VERSIONS, isAvailable, pythonCeleryStatus, sendFromPython } from './harness/python.js';

const status = pythonCeleryStatus();
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

/** The parent span id of a span (sdk-trace-base 2.x: `parentSpanContext`). */
function parentOf(span: ReadableSpan): string | undefined {
  return (span as unknown as { parentSpanContext?: { spanId: string } }).parentSpanContext?.spanId;
}

/** 32 / 16 lowercase hex digits, as W3C trace and span ids are written. */
const hex = (digits: number): string => Array.from({ length: digits }, () => Math.floor(Math.random() * 16).toString(16)).join('');

function tracing(version: PythonCeleryVersion): void {
  const fleet = useRedisFleet(version);

  it("a Python-sent traceparent header is the parent of the Celerity worker's consumer span", async () => {
    const traceId = hex(32);
    const parentSpanId = hex(16);
    const out = await sendFromPython(version, 'tasks.add', [2, 3], { queue: fleet.tsQueue, headers: { traceparent: `00-${traceId}-${parentSpanId}-01` } }, fleet.env);
    expect(out).toMatchObject({ state: 'SUCCESS', result: 5 });
    const id = String(out.id);
    await waitFor(() => exporter.getFinishedSpans().some((s) => s.name === 'run/tasks.add' && s.attributes['messaging.message.id'] === id), { timeout: 10_000 });
    const consumer = exporter.getFinishedSpans().find((s) => s.name === 'run/tasks.add' && s.attributes['messaging.message.id'] === id)!;
    expect(consumer.spanContext().traceId).toBe(traceId);
    expect(parentOf(consumer)).toBe(parentSpanId);
  });

  it("a Celerity client's producer span reaches a Python task as its request's traceparent", async () => {
    const result = await fleet.client.task<[name: string], string | null>('tasks.request_header').applyAsync(['traceparent'], { queue: fleet.pyQueue });
    const seen = await result.get({ timeout: 30 });
    const producer = exporter.getFinishedSpans().find((s) => s.name === 'apply_async/tasks.request_header' && s.attributes['messaging.message.id'] === result.id);
    expect(producer).toBeDefined();
    expect(seen).toBe(`00-${producer!.spanContext().traceId}-${producer!.spanContext().spanId}-01`);
  });
}

for (const version of PYTHON_CELERY_VERSIONS) {
  const entry = status[version];
  if (isAvailable(entry)) describe(`trace context: Python Celery ${entry.celery} ↔ Celerity on Redis`, () => tracing(version));
  else describe.skip(`trace context: Python Celery ${version} ↔ Celerity on Redis: ${entry.unavailable}`, () => tracing(version));
}
