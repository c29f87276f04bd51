/**
 * Start-up retry on a fake clock (issue 12): a broker that cannot be reached is tried again with
 * one log line per attempt until it answers or the retries run out; an authentication error is
 * not retried; a failed start closes the broker it created so the process can exit.
 */
import { describe, expect, it } from 'vitest';
import type { Broker, BrokerAdapter } from '@celerity/core';
import { ConfigurationError, ConnectionError, createMemoryBroker } from '@celerity/core';
import { createCapturingLogger } from '@celerity/testing';
import { createWorker } from '@celerity/worker';
import { retryDelay } from '../src/connect-retry.js';
import { createFakeClock } from './fake-clock.js';
import { settle, until } from './event-loop.js';

interface Flaky {
  broker: Broker;
  attempts: number;
  closed: boolean;
}

/** A memory broker whose `connect()` throws `failures` errors (made by `error`) before it works. */
function flakyAdapter(failures: number, error: () => Error): { adapter: BrokerAdapter; state: Flaky } {
  const inner = createMemoryBroker({ name: `flaky-${crypto.randomUUID()}` });
  const state: Flaky = { broker: inner, attempts: 0, closed: false };
  const broker: Broker = Object.assign(Object.create(inner) as Broker, {
    connect: async () => {
      state.attempts++;
      if (state.attempts <= failures) throw error();
      await inner.connect();
    },
    close: async () => {
      state.closed = true;
      await inner.close();
    },
  });
  state.broker = broker;
  return { adapter: { kind: 'broker', schemes: ['flaky'], create: () => broker }, state };
}

const refused = (): Error => new ConnectionError('Redis broker: connect failed: connect ECONNREFUSED 127.0.0.1:1');

describe('worker start-up retry', () => {
  it('grows the delay like kombu (2 s, 4 s, 6 s… 30 s)', () => {
    expect([1, 2, 3, 15, 16, 100].map((n) => retryDelay(n, 2000, 30_000))).toEqual([2000, 4000, 6000, 30_000, 30_000, 30_000]);
  });

  it('retries with one line per attempt and consumes once the broker answers', async () => {
    const clock = createFakeClock();
    const logger = createCapturingLogger();
    const { adapter, state } = flakyAdapter(3, refused);
    const worker = createWorker({ broker: 'flaky://:s3cret@host:1/', adapters: [adapter], tasks: [], clock, logger });
    let started = false;
    const start = worker.start().then(() => (started = true));
    await until(() => state.attempts === 1 && clock.pending === 1);
    clock.advance(1999);
    await settle();
    expect(state.attempts).toBe(1);
    clock.advance(1);
    await until(() => state.attempts === 2 && clock.pending === 1);
    clock.advance(4000);
    await until(() => state.attempts === 3 && clock.pending === 1);
    clock.advance(6000);
    await start;
    expect(started).toBe(true);
    expect(state.attempts).toBe(4);
    const retries = logger.lines.filter((l) => l.message.startsWith('Cannot connect to'));
    expect(retries.map((l) => l.message)).toEqual([1, 2, 3].map(
      (n) => `Cannot connect to flaky://:**@host:1/: Redis broker: connect failed: connect ECONNREFUSED 127.0.0.1:1. Trying again in ${(2 * n).toFixed(2)} seconds... (${n}/100)`,
    ));
    expect(logger.lines.at(-1)?.message).toMatch(/ready\.$/);
    await worker.stop();
  });

  it('rejects with a ConnectionError once the retries run out, and closes the broker it created', async () => {
    const clock = createFakeClock();
    const { adapter, state } = flakyAdapter(Infinity, refused);
    const worker = createWorker({ broker: 'flaky://host', adapters: [adapter], tasks: [], clock, connectRetries: 2, connectRetryDelay: 10, connectRetryMaxDelay: 15 });
    const start = worker.start();
    start.catch(() => {});
    await until(() => state.attempts === 1 && clock.pending === 1);
    clock.advance(10);
    await until(() => state.attempts === 2 && clock.pending === 1);
    clock.advance(15);
    const error = await start.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect((error as Error).message).toBe('Cannot connect to flaky://host (gave up after 3 attempts): Redis broker: connect failed: connect ECONNREFUSED 127.0.0.1:1');
    expect(state.attempts).toBe(3);
    expect(state.closed).toBe(true);
  });

  it('does not retry with connectRetries: 0', async () => {
    const { adapter, state } = flakyAdapter(1, refused);
    const worker = createWorker({ broker: 'flaky://host', adapters: [adapter], tasks: [], clock: createFakeClock(), connectRetries: 0 });
    await expect(worker.start()).rejects.toThrow(/^Cannot connect to flaky:\/\/host \(not retrying on start-up\)/);
    expect(state.attempts).toBe(1);
    expect(state.closed).toBe(true);
  });

  it('fails at once on an authentication error', async () => {
    const clock = createFakeClock();
    const logger = createCapturingLogger();
    const { adapter, state } = flakyAdapter(Infinity, () => new ConfigurationError('Redis broker: connect failed: WRONGPASS invalid username-password pair'));
    const worker = createWorker({ broker: 'flaky://host', adapters: [adapter], tasks: [], clock, logger });
    await expect(worker.start()).rejects.toBeInstanceOf(ConfigurationError);
    expect(state.attempts).toBe(1);
    expect(clock.pending).toBe(0);
    expect(state.closed).toBe(true);
    expect(logger.lines.filter((l) => l.message.startsWith('Cannot connect'))).toEqual([]);
  });

  it('stop() during the retry wait ends the start', async () => {
    const clock = createFakeClock();
    const { adapter, state } = flakyAdapter(Infinity, refused);
    const worker = createWorker({ broker: 'flaky://host', adapters: [adapter], tasks: [], clock });
    const start = worker.start();
    start.catch(() => {});
    await until(() => state.attempts === 1 && clock.pending === 1);
    await worker.stop();
    await expect(start).rejects.toThrow(/stopped while starting/);
    expect(clock.pending).toBe(0);
    expect(state.closed).toBe(true);
  });

  it('refuses a negative retry count', () => {
    expect(() => createWorker({ tasks: [], connectRetries: -1 })).toThrow(ConfigurationError);
  });
});
