/**
 * OpenTelemetry spans for task messages, as Python's `opentelemetry-instrumentation-celery` makes
 * them: a PRODUCER span `apply_async/<task>` around a send, whose context travels in the message's
 * `traceparent` (and `tracestate`) header, and a CONSUMER span `run/<task>` around the run, its
 * parent read back from that header. Attribute names are the Python instrumentation's
 * (`celery.action`, `celery.task_name`, `messaging.message.id`, `messaging.destination`…), so one
 * trace reads the same whichever side sent or ran the task.
 *
 * `@opentelemetry/api` is an optional peer: when it is not installed everything here is off; when
 * it is but no SDK is registered, spans do not record and nothing is added to messages.
 */
import type * as OtelApi from '@opentelemetry/api';
import type { TaskMessage } from './message.js';

type Api = typeof OtelApi;

/** A send being traced: ended once the broker took the message (or failed to). */
export interface PublishSpan {
  end(error?: unknown): void;
}

/** How a traced run ended (the worker's outcome, reduced to what a span records). */
export interface RunSpanOutcome {
  kind: 'success' | 'failure' | 'retry' | 'replace';
  /** Exception type and message (failure), or the retry's reason. */
  exception?: { exc_type: string; exc_message: readonly unknown[] } | null;
  traceback?: string | null;
  error?: unknown;
}

/** A run being traced. */
export interface RunSpan {
  /** Calls `fn` with this span as the active context, so spans the task body starts are its children. */
  wrap<T>(fn: () => T): T;
  end(outcome: RunSpanOutcome | undefined, error?: unknown): void;
}

/** Producer and consumer spans, bound to an OpenTelemetry API instance. */
export interface MessageTracing {
  /**
   * Starts the PRODUCER span of one message and writes its context into `headers` (mutated:
   * `traceparent`, `tracestate` and whatever the registered propagator adds). Undefined when the
   * span does not record and carries no valid context.
   */
  publish(task: string, id: string, queue: string, headers: Record<string, unknown>): PublishSpan | undefined;
  /** Starts the CONSUMER span of a run, child of the context in the message's headers. Undefined when it does not record. */
  run(message: TaskMessage, queue: string, hostname: string): RunSpan | undefined;
}

const TRACER_NAME = '@celerity/core';
const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

const headerGetter: OtelApi.TextMapGetter<Record<string, unknown>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    return typeof value === 'string' ? value : undefined;
  },
};

function traceparentOf(context: OtelApi.SpanContext): string {
  return `00-${context.traceId}-${context.spanId}-${(context.traceFlags & 0xff).toString(16).padStart(2, '0')}`;
}

/**
 * The parent of a run: what the registered propagator reads from the headers, else (no propagator
 * registered, as with a bare SDK) the `traceparent` header parsed here, as W3C Trace Context says.
 */
function parentContext(api: Api, headers: Record<string, unknown>): OtelApi.Context {
  const active = api.context.active();
  const extracted = api.propagation.extract(active, headers, headerGetter);
  if (api.trace.getSpanContext(extracted) !== undefined) return extracted;
  const header = headers['traceparent'];
  const match = typeof header === 'string' ? TRACEPARENT.exec(header.trim().toLowerCase()) : null;
  if (match === null || match[1] === 'ff') return extracted;
  const spanContext: OtelApi.SpanContext = { traceId: match[2]!, spanId: match[3]!, traceFlags: parseInt(match[4]!, 16), isRemote: true };
  if (!api.trace.isSpanContextValid(spanContext)) return extracted;
  return api.trace.setSpanContext(extracted, spanContext);
}

function errorOf(outcome: RunSpanOutcome | undefined, error: unknown): { message: string; error: unknown } | undefined {
  if (error !== undefined) return { message: (error as Error)?.message ?? String(error), error };
  if (outcome?.kind !== 'failure') return undefined;
  const exception = outcome.exception;
  const message = exception ? `${exception.exc_type}(${exception.exc_message.map(String).join(', ')})` : 'failed';
  return { message, error: outcome.error };
}

/**
 * Producer and consumer spans through `api` (the `@opentelemetry/api` module).
 * @example
 * const tracing = createMessageTracing(await import('@opentelemetry/api'));
 */
export function createMessageTracing(api: Api): MessageTracing {
  const { trace, context, propagation, SpanKind, SpanStatusCode } = api;
  return {
    publish(task, id, queue, headers) {
      const tracer = trace.getTracer(TRACER_NAME);
      const span = tracer.startSpan(`apply_async/${task}`, {
        kind: SpanKind.PRODUCER,
        attributes: { 'celery.action': 'apply_async', 'celery.task_name': task, 'messaging.message.id': id, 'messaging.destination': queue },
      });
      const spanContext = span.spanContext();
      // With no SDK registered every span is the same invalid one: known without checking its ids.
      if (!span.isRecording() && (spanContext === api.INVALID_SPAN_CONTEXT || !trace.isSpanContextValid(spanContext))) return undefined;
      const carrier: Record<string, string> = {};
      propagation.inject(trace.setSpan(context.active(), span), carrier);
      // A bare SDK registers no propagator: the W3C header is written here all the same.
      carrier['traceparent'] ??= traceparentOf(spanContext);
      Object.assign(headers, carrier);
      return {
        end(error) {
          if (error !== undefined) {
            span.recordException(error instanceof Error ? error : String(error));
            span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error)?.message ?? String(error) });
          }
          span.end();
        },
      };
    },
    run(message, queue, hostname) {
      const parent = parentContext(api, message.customHeaders);
      const attributes: OtelApi.Attributes = {
        'celery.action': 'run',
        'celery.task_name': message.task,
        'messaging.message.id': message.id,
        'messaging.destination': queue,
        'celery.hostname': hostname,
      };
      if (message.retries > 0) attributes['celery.retries'] = message.retries;
      if (message.correlationId !== null) attributes['messaging.conversation_id'] = message.correlationId;
      const span = trace.getTracer(TRACER_NAME).startSpan(`run/${message.task}`, { kind: SpanKind.CONSUMER, attributes }, parent);
      if (!span.isRecording()) return undefined;
      const active = trace.setSpan(parent, span);
      return {
        wrap: (fn) => context.with(active, fn),
        end(outcome, error) {
          if (outcome?.kind === 'retry' && outcome.exception) span.setAttribute('celery.retry.reason', `${outcome.exception.exc_type}(${outcome.exception.exc_message.map(String).join(', ')})`);
          const failure = errorOf(outcome, error);
          if (failure !== undefined) {
            span.recordException(failure.error instanceof Error ? failure.error : failure.message);
            span.setStatus({ code: SpanStatusCode.ERROR, message: failure.message });
          }
          span.end();
        },
      };
    },
  };
}

let loading: Promise<MessageTracing | null> | undefined;

/**
 * The tracing of this process: null when `@opentelemetry/api` is not installed. Imported once;
 * every later call returns the same promise.
 * @example
 * const tracing = await loadMessageTracing();
 */
export function loadMessageTracing(): Promise<MessageTracing | null> {
  loading ??= import('@opentelemetry/api').then(
    (api) => createMessageTracing(api),
    () => null,
  );
  return loading;
}
