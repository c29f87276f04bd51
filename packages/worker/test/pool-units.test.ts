// The pool's parts without a worker: autoscale growing and shrinking (real children, fake clock
// for the idle keepalive), the option parsing, and Celery's late-ack decisions on failure.
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigurationError, createJsonSerializer, createSerializerRegistry, silentLogger } from '@celerity/core';
import type { TraceOutcome } from '@celerity/core/internal';
import { waitFor } from '@celerity/testing';
import type { ChildPool, PoolRequest } from '../src/pool/child-pool.js';
import { createChildPool } from '../src/pool/child-pool.js';
import { parseAutoscale, poolFromWord, resolvePoolConfig } from '../src/pool/pool-config.js';
import { failureDisposition } from '../src/failure-ack.js';
import { createFakeClock } from './fake-clock.js';
import * as tasks from './fixtures/pool-tasks.js';

const tasksModule = fileURLToPath(new URL('./fixtures/pool-tasks.ts', import.meta.url));
let pool: ChildPool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

function request(id: string, args: unknown[]): PoolRequest {
  return {
    id,
    name: 'pool.nap',
    args,
    kwargs: {},
    retries: 0,
    rootId: id,
    parentId: null,
    groupId: null,
    hostname: 'test@host',
    queue: 'celery',
    timeLimit: [null, null],
    logger: silentLogger,
    updateState: () => Promise.resolve(),
  };
}

describe('autoscale', () => {
  // Child processes load the tasks module through tsx: seconds on a loaded machine, hence the long ceiling.
  it('grows to max while tasks wait, and lets children above min go after the keepalive', { timeout: 60_000 }, async () => {
    const clock = createFakeClock();
    pool = createChildPool({ kind: 'processes', tasksModule, min: 1, max: 3, keepalive: 30_000, clock, logger: silentLogger, serializers: createSerializerRegistry([createJsonSerializer()]) });
    await pool.start();
    expect(pool.size).toBe(1);
    const runs: Array<Promise<TraceOutcome>> = [];
    for (let i = 0; i < 3; i++) runs.push(pool.trace(tasks.nap, request(`t${i}`, [300]), 'application/json'));
    expect(pool.size).toBe(3);
    const outcomes = await Promise.all(runs);
    expect(outcomes.map((o) => o.kind)).toEqual(['success', 'success', 'success']);
    // Each idle child above min holds a keepalive timer; a child still starting has none yet (on a
    // busy machine the first child may run all three tasks before the other two are ready).
    await waitFor(() => clock.pending === 3, { timeout: 30_000 });
    const grown = [...pool.childIds];
    clock.advance(29_999);
    expect(pool.size).toBe(3);
    clock.advance(1);
    await waitFor(() => pool?.size === 1, { timeout: 30_000 });
    // One of the three stayed: the keepalives running out together did not retire them all.
    expect(grown).toContain(pool.childIds[0]);
    // Never more than max, however many wait.
    const more = Array.from({ length: 5 }, (_, i) => pool!.trace(tasks.nap, request(`m${i}`, [50]), 'application/json'));
    expect(pool.size).toBe(3);
    await Promise.all(more);
  });

  it('a pool with min 0 starts no child until a task comes', { timeout: 30_000 }, async () => {
    pool = createChildPool({ kind: 'threads', tasksModule, min: 0, max: 2, clock: createFakeClock(), logger: silentLogger, serializers: createSerializerRegistry([createJsonSerializer()]) });
    await pool.start();
    expect(pool.size).toBe(0);
    const outcome = await pool.trace(tasks.nap, request('x', [10]), 'application/json');
    expect(outcome.kind).toBe('success');
    expect(pool.size).toBe(1);
  });
});

describe('a pool whose tasks module cannot be loaded', () => {
  it('fails the start with the reason', async () => {
    pool = createChildPool({ kind: 'processes', tasksModule: '/no/such/tasks.js', min: 1, max: 1, clock: createFakeClock(), logger: silentLogger, serializers: createSerializerRegistry([createJsonSerializer()]) });
    await expect(pool.start()).rejects.toThrow(/tasks module \/no\/such\/tasks\.js could not be loaded: .*cannot find module/i);
  });
});

describe('pool options', () => {
  it('reads Celery words for -P and --autoscale max,min', () => {
    expect(poolFromWord('prefork')).toEqual({ pool: 'processes' });
    expect(poolFromWord('threads')).toEqual({ pool: 'threads' });
    expect(poolFromWord('solo')).toEqual({ pool: 'async', concurrency: 1 });
    expect(() => poolFromWord('gevent')).toThrow(ConfigurationError);
    expect(parseAutoscale('10,3')).toEqual({ max: 10, min: 3 });
    expect(parseAutoscale('4')).toEqual({ max: 4, min: 0 });
    expect(() => parseAutoscale('3,10')).toThrow(/max,min/);
    expect(() => parseAutoscale('x')).toThrow(ConfigurationError);
  });

  it('checks what cannot work', () => {
    expect(() => resolvePoolConfig({ pool: 'processes' })).toThrow(/needs tasksModule/);
    expect(() => resolvePoolConfig({ maxTasksPerChild: 3 })).toThrow(/threads and processes pools only/);
    expect(() => resolvePoolConfig({ timeLimit: -1 })).toThrow(/timeLimit must be/);
    expect(resolvePoolConfig({ pool: 'threads', tasksModule: '/x.js', autoscale: { min: 2, max: 6 } })).toMatchObject({ concurrency: 6, min: 2 });
    expect(resolvePoolConfig({ softTimeLimit: 5 }).defaultTimeLimit).toEqual([null, 5]);
  });
});

describe('late ack of a failure (Celery 5.5 Request.on_failure)', () => {
  const lost = { exc_type: 'WorkerLostError', exc_message: ['Worker exited prematurely: signal 9 (SIGKILL) Job: 0.'], exc_module: 'billiard.exceptions' };
  const timeout = { exc_type: 'TimeLimitExceeded', exc_message: [1], exc_module: 'billiard.exceptions' };
  const plain = { exc_type: 'TypeError', exc_message: ['x'], exc_module: 'builtins' };
  it('acks and stores by default', () => {
    for (const exc of [lost, timeout, plain]) expect(failureDisposition(exc, { rejectOnWorkerLost: false, acksOnFailureOrTimeout: true })).toEqual({ disposition: 'ack', store: true });
  });
  it('requeues a lost worker without storing under rejectOnWorkerLost', () => {
    expect(failureDisposition(lost, { rejectOnWorkerLost: true, acksOnFailureOrTimeout: true })).toEqual({ disposition: 'requeue', store: false });
    expect(failureDisposition(plain, { rejectOnWorkerLost: true, acksOnFailureOrTimeout: true })).toEqual({ disposition: 'ack', store: true });
  });
  it('without acksOnFailureOrTimeout: a time limit is stored and requeued, other failures stored and dropped', () => {
    expect(failureDisposition(timeout, { rejectOnWorkerLost: false, acksOnFailureOrTimeout: false })).toEqual({ disposition: 'requeue', store: true });
    expect(failureDisposition(plain, { rejectOnWorkerLost: false, acksOnFailureOrTimeout: false })).toEqual({ disposition: 'drop', store: true });
    expect(failureDisposition(lost, { rejectOnWorkerLost: false, acksOnFailureOrTimeout: false })).toEqual({ disposition: 'drop', store: true });
  });
});
