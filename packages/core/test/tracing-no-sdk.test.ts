// With `@opentelemetry/api` installed and no SDK registered (this file registers none), a send adds
// nothing to its message unless a valid span context is active, which it then carries on.
import * as api from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMessageTracing } from '../src/tracing.js';

/** Synchronous context only (a stack), enough for `context.with` around a send; no SDK comes with it. */
class StackContextManager implements api.ContextManager {
  private stack: api.Context[] = [];
  active(): api.Context {
    return this.stack[this.stack.length - 1] ?? api.ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(context: api.Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    this.stack.push(context);
    try {
      return fn.call(thisArg, ...args);
    } finally {
      this.stack.pop();
    }
  }
  bind<T>(_context: api.Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.stack = [];
    return this;
  }
}

beforeAll(() => {
  api.context.setGlobalContextManager(new StackContextManager());
});
afterAll(() => {
  api.context.disable();
});

describe('producer spans with no OpenTelemetry SDK registered', () => {
  const tracing = createMessageTracing(api);

  it('makes no span and adds no header to a send', () => {
    const headers: Record<string, unknown> = { lang: 'py' };
    expect(tracing.publish('t.add', 'id-1', 'celery', headers)).toBeUndefined();
    expect(headers).toEqual({ lang: 'py' });
  });

  it('carries on a valid span context that is active (a span from elsewhere) in traceparent', () => {
    const parent: api.SpanContext = { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: api.TraceFlags.SAMPLED };
    const headers: Record<string, unknown> = {};
    const span = api.context.with(api.trace.setSpanContext(api.context.active(), parent), () => tracing.publish('t.add', 'id-2', 'celery', headers));
    expect(span).toBeDefined();
    span?.end();
    expect(headers['traceparent']).toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
  });
});
