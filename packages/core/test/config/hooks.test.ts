import { describe, expect, it } from 'vitest';
import type { LogFields, Logger } from '@celerity/core';
import { emitHook, emitPublishHooks, hasHook } from '@celerity/core';
import { backendOptionsWithExpires } from '@celerity/core/internal';

function capture(): { logger: Logger; errors: string[] } {
  const errors: string[] = [];
  const none = (): void => {};
  return { errors, logger: { debug: none, info: none, warn: none, error: (message: string, _fields?: LogFields) => void errors.push(message) } };
}

describe('hooks', () => {
  it('awaits an async hook before resolving', async () => {
    const seen: string[] = [];
    const { logger } = capture();
    await emitHook({ workerReady: async ({ hostname }) => { await new Promise((r) => setTimeout(r, 5)); seen.push(hostname); } }, 'workerReady', { hostname: 'w@h' }, logger);
    expect(seen).toEqual(['w@h']);
  });

  it('logs a hook that throws or rejects and never passes the error on', async () => {
    const { logger, errors } = capture();
    await emitHook({ workerShutdown: () => { throw new Error('boom'); } }, 'workerShutdown', { hostname: 'w' }, logger);
    await emitHook({ workerShutdown: () => Promise.reject(new Error('later')) }, 'workerShutdown', { hostname: 'w' }, logger);
    expect(errors).toEqual(['hook workerShutdown failed: boom', 'hook workerShutdown failed: later']);
  });

  it('calls nothing and returns no promise for a publish hook that is not set', () => {
    const { logger } = capture();
    expect(emitPublishHooks(undefined, 'beforeTaskPublish', [], 'client', logger)).toBeUndefined();
    expect(emitPublishHooks({ afterTaskPublish: () => {} }, 'beforeTaskPublish', [], 'client', logger)).toBeUndefined();
    expect(hasHook({ taskPrerun: () => {} }, 'taskSuccess', 'taskPrerun')).toBe(true);
    expect(hasHook({}, 'taskSuccess')).toBe(false);
  });

  it('gives publish hooks one event per message, in order', async () => {
    const { logger } = capture();
    const events: unknown[] = [];
    const eta = new Date(0);
    await emitPublishHooks({ beforeTaskPublish: (e) => void events.push(e) }, 'beforeTaskPublish', [
      { init: { task: 'a', id: '1', args: [1], kwargs: { k: 2 }, eta, retries: 2 }, target: { queue: 'q', exchange: 'x', routingKey: 'rk' } },
      { init: { task: 'b', id: '2' }, target: { queue: 'celery' } },
    ], 'worker', logger);
    expect(events).toEqual([
      { task: 'a', id: '1', args: [1], kwargs: { k: 2 }, queue: 'q', exchange: 'x', routingKey: 'rk', eta, retries: 2, sender: 'worker' },
      { task: 'b', id: '2', args: [], kwargs: {}, queue: 'celery', exchange: undefined, routingKey: undefined, eta: null, retries: 0, sender: 'worker' },
    ]);
  });
});

describe('result_expires as each backend reads it', () => {
  it('is seconds on Redis (0 = forever) and rpc:// (> 0 only), milliseconds on memory://, and never overrides backendOptions', () => {
    expect(backendOptionsWithExpires('redis://h', undefined, 60)).toEqual({ expires: 60 });
    expect(backendOptionsWithExpires('redis://h', {}, 0)).toEqual({ expires: 0 });
    expect(backendOptionsWithExpires('rpc://', {}, 60)).toEqual({ expires: 60 });
    expect(backendOptionsWithExpires('rpc://', {}, 0)).toEqual({});
    expect(backendOptionsWithExpires('memory://', {}, 2)).toEqual({ expires: 2000 });
    expect(backendOptionsWithExpires('redis://h', { expires: 5, keyPrefix: 'p' }, 60)).toEqual({ expires: 5, keyPrefix: 'p' });
    expect(backendOptionsWithExpires('redis://h', { keyPrefix: 'p' }, undefined)).toEqual({ keyPrefix: 'p' });
  });
});
