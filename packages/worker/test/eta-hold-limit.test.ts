/**
 * `etaHoldLimit` on a fake clock with a memory broker given a `publishDelayed` the test controls:
 * which ETA tasks go to the broker's delay and which are held, ack only after the broker took the
 * copy, a refused copy is held instead, and a task back from its delay runs once at its ETA. No
 * test here sleeps.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Broker, Envelope, LogFields, Logger, TaskContext } from '@celerity/core';
import { ConfigurationError, createJsonSerializer, createMemoryBroker, defineTask, encodeTaskMessage, silentLogger } from '@celerity/core';
import type { Worker, WorkerOptions } from '@celerity/worker';
import { createWorker } from '@celerity/worker';
import { brokerDelay, checkEtaHoldLimit, DEFAULT_ETA_HOLD_LIMIT, HAND_OFF_STOP_WAIT_MS, RETURN_LEAD_MS } from '../src/eta-hold-limit.js';
import type { FakeClock } from './fake-clock.js';
import { createFakeClock } from './fake-clock.js';
import { settle, until } from './event-loop.js';

const json = createJsonSerializer();
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** One `publishDelayed` call, settled by the test. */
interface DelayCall {
  queue: string;
  envelope: Envelope;
  delay: number;
  confirm(): void;
  refuse(error: Error): void;
}

let clock: FakeClock;
let memory: Broker;
let worker: Worker | undefined;
let calls: DelayCall[];
let warnings: string[];
let debugs: string[];
const runs = new Map<string, number>();
const count = defineTask({ name: 'tasks.count', params: [] }, (ctx: TaskContext) => {
  runs.set(ctx.id, (runs.get(ctx.id) ?? 0) + 1);
});

const logger: Logger = {
  ...silentLogger,
  warn(message: string, _fields?: LogFields) {
    warnings.push(message);
  },
  debug(message: string, _fields?: LogFields) {
    debugs.push(message);
  },
};

/** A memory broker whose `publishDelayed` waits for the test, then gives the copy back on the fake clock. */
function delayingBroker(): Broker {
  return {
    ...memory,
    publishDelayed(queue, envelope, delay) {
      return new Promise<void>((resolve, reject) => {
        calls.push({
          queue,
          envelope,
          delay,
          confirm() {
            clock.setTimeout(() => void memory.publish({ queue }, envelope), Math.floor(delay / 1000) * 1000);
            resolve();
          },
          refuse: reject,
        });
      });
    },
  };
}

function setup(options: Partial<WorkerOptions> = {}, broker: Broker = delayingBroker()): Worker {
  worker = createWorker({ broker, clock, logger, tasks: [count], concurrency: 2, ...options });
  return worker;
}

async function send(eta: number): Promise<string> {
  const id = crypto.randomUUID();
  await memory.publish({ queue: 'celery' }, encodeTaskMessage({ task: 'tasks.count', id, args: [], eta: new Date(eta) }, { serializer: json }));
  return id;
}

function resetState(): void {
  clock = createFakeClock();
  memory = createMemoryBroker({ name: `eta-hold-${crypto.randomUUID()}` });
  calls = [];
  warnings = [];
  debugs = [];
}
resetState();

afterEach(async () => {
  // A stop waits for the broker's answer about copies on their way: answer those left.
  for (const call of calls) call.refuse(new Error('test over'));
  await worker?.stop({ force: true });
  worker = undefined;
  runs.clear();
  resetState();
});

describe('checkEtaHoldLimit', () => {
  it('defaults to 15 minutes, reads seconds, and takes 0 or Infinity as no limit', () => {
    expect(DEFAULT_ETA_HOLD_LIMIT).toBe(900);
    expect(checkEtaHoldLimit(undefined)).toBe(900_000);
    expect(checkEtaHoldLimit(60)).toBe(60_000);
    expect(checkEtaHoldLimit(0)).toBe(Infinity);
    expect(checkEtaHoldLimit(Infinity)).toBe(Infinity);
  });

  it('refuses negative, tiny and non-numbers with a ConfigurationError', () => {
    for (const bad of [-1, 0.5, Number.NaN, '60' as unknown as number]) expect(() => checkEtaHoldLimit(bad)).toThrow(ConfigurationError);
    expect(() => setup({ etaHoldLimit: -5 })).toThrow(ConfigurationError);
    worker = undefined;
  });
});

describe('brokerDelay', () => {
  const now = Date.UTC(2030, 0, 1);
  it('holds what is due within the limit', () => {
    expect(brokerDelay(now + 15 * MINUTE, now, 15 * MINUTE)).toBeUndefined();
    expect(brokerDelay(now + 1, now, 15 * MINUTE)).toBeUndefined();
  });

  it('delays the rest so that it comes back shortly before its ETA', () => {
    expect(brokerDelay(now + HOUR, now, 15 * MINUTE)).toBe(HOUR - RETURN_LEAD_MS);
    expect(brokerDelay(now + 15 * MINUTE + 1, now, 15 * MINUTE)).toBe(15 * MINUTE + 1 - RETURN_LEAD_MS);
  });

  it('under a tiny limit, comes back half the limit early, and holds what the broker could not delay by a second', () => {
    expect(brokerDelay(now + 10_000, now, 1000)).toBe(9500);
    expect(brokerDelay(now + 1400, now, 1000)).toBeUndefined();
  });
});

describe('etaHoldLimit', () => {
  it('hands a task due after the limit to the broker, acks it only once the broker took it, and runs it once at its ETA', async () => {
    const w = setup({ etaHoldLimit: 60 });
    const eta = clock.now() + HOUR;
    const id = await send(eta);
    await w.start();
    await until(() => calls.length === 1);
    const call = calls[0] as DelayCall;
    expect(call.queue).toBe('celery');
    expect(call.delay).toBe(HOUR - RETURN_LEAD_MS);
    expect(call.envelope.headers['id']).toBe(id);
    expect(new Date(String(call.envelope.headers['eta'])).getTime()).toBe(eta);
    await settle();
    // Not confirmed yet: the original is still unacked, and counts as scheduled.
    expect(w.stats.scheduled).toBe(1);
    expect(await memory.size('celery')).toBe(0);

    call.confirm();
    await until(() => w.stats.scheduled === 0);
    clock.advance(HOUR - RETURN_LEAD_MS);
    // Back in the queue about 2 s early: held, not run, not delayed again.
    await until(() => w.stats.scheduled === 1);
    await settle();
    expect(runs.has(id)).toBe(false);
    expect(calls).toHaveLength(1);
    clock.advance(RETURN_LEAD_MS);
    await until(() => runs.has(id));
    await w.idle();
    expect(runs.get(id)).toBe(1);
    expect(await memory.size('celery')).toBe(0);
  });

  it('holds a task due within the limit without the broker', async () => {
    const w = setup({ etaHoldLimit: 60 });
    const id = await send(clock.now() + 30_000);
    await w.start();
    await until(() => w.stats.scheduled === 1);
    await settle();
    expect(calls).toHaveLength(0);
    clock.advance(30_000);
    await until(() => runs.get(id) === 1);
  });

  it('holds the task when the broker refuses the copy, logs why, and runs it once at its ETA', async () => {
    const w = setup({ etaHoldLimit: 60 });
    const id = await send(clock.now() + HOUR);
    await w.start();
    await until(() => calls.length === 1);
    (calls[0] as DelayCall).refuse(new Error('406 PRECONDITION_FAILED'));
    await until(() => warnings.length === 1);
    expect(warnings[0]).toMatch(/holding it instead: 406 PRECONDITION_FAILED/);
    expect(w.stats.scheduled).toBe(1);
    clock.advance(HOUR);
    await until(() => runs.has(id));
    await w.idle();
    expect(runs.get(id)).toBe(1);
  });

  it('gives a task back to its queue when the worker stopped while the broker refused its copy', async () => {
    const w = setup({ etaHoldLimit: 60 });
    await send(clock.now() + HOUR);
    await w.start();
    await until(() => calls.length === 1);
    let stopped = false;
    const stopping = w.stop().then(() => (stopped = true));
    await settle();
    // The stop waits for the broker's answer; the task is still unacked meanwhile.
    expect(stopped).toBe(false);
    expect(await memory.size('celery')).toBe(0);
    (calls[0] as DelayCall).refuse(new Error('closed'));
    await stopping;
    expect(w.stats.scheduled).toBe(0);
    expect(warnings).toEqual([]);
    // The worker does not own the memory broker: the message is back in its queue, ready.
    expect(await memory.size('celery')).toBe(1);
    worker = undefined;
  });

  it.each([false, true])('waits in stop({ force: %s }) for a copy on its way, and acks the original before it returns', async (force) => {
    const w = setup({ etaHoldLimit: 60 });
    const id = await send(clock.now() + HOUR);
    await w.start();
    await until(() => calls.length === 1);
    let stopped = false;
    const stopping = w.stop({ force }).then(() => (stopped = true));
    await settle();
    expect(stopped).toBe(false);
    (calls[0] as DelayCall).confirm();
    await stopping;
    // Settled before stop() returned: acked, not given back, so the delayed copy is the only one.
    expect(w.stats.scheduled).toBe(0);
    expect(await memory.size('celery')).toBe(0);
    clock.advance(HOUR);
    await settle();
    expect(await memory.size('celery')).toBe(1);
    expect(runs.has(id)).toBe(false);
    worker = undefined;
  });

  it('stops waiting for a copy the broker never answers after HAND_OFF_STOP_WAIT_MS, and says so', async () => {
    const w = setup({ etaHoldLimit: 60 });
    await send(clock.now() + HOUR);
    await w.start();
    await until(() => calls.length === 1);
    let stopped = false;
    const stopping = w.stop().then(() => (stopped = true));
    await settle();
    clock.advance(HAND_OFF_STOP_WAIT_MS - 1);
    await settle();
    expect(stopped).toBe(false);
    clock.advance(1);
    await stopping;
    expect(warnings).toEqual([expect.stringMatching(/^1 ETA task\(s\) still on their way to the broker's delay after 30 s/) as unknown]);
    worker = undefined;
  });

  it("warns once per queue when the broker refuses copies, logs the next ones at debug level, and warns again after a hand-off went through", async () => {
    const w = setup({ etaHoldLimit: 60, queues: ['celery', 'other'] });
    const refuseAll = async (count: number): Promise<void> => {
      await until(() => calls.length >= count);
      for (const call of calls.splice(0)) call.refuse(new Error('406 PRECONDITION_FAILED - inequivalent arg x-queue-type'));
    };
    for (let i = 0; i < 3; i++) await send(clock.now() + HOUR);
    await memory.publish({ queue: 'other' }, encodeTaskMessage({ task: 'tasks.count', id: crypto.randomUUID(), args: [], eta: new Date(clock.now() + HOUR) }, { serializer: json }));
    await w.start();
    await refuseAll(4);
    await until(() => w.stats.scheduled === 4);
    expect(warnings).toHaveLength(2);
    expect(warnings.filter((line) => /further ETA tasks of queue celery the broker refuses are held/.test(line))).toHaveLength(1);
    expect(warnings.filter((line) => /further ETA tasks of queue other the broker refuses are held/.test(line))).toHaveLength(1);
    expect(debugs.filter((line) => /^Could not hand tasks\.count\[.*holding it instead: 406/.test(line))).toHaveLength(2);

    await send(clock.now() + HOUR);
    await until(() => calls.length === 1);
    (calls.splice(0)[0] as DelayCall).confirm();
    await until(() => w.stats.scheduled === 4);
    await send(clock.now() + HOUR);
    await refuseAll(1);
    await until(() => warnings.length === 3);
    expect(warnings[2]).toMatch(/queue celery/);
    // Held, all of them: each runs once at its ETA.
    expect(w.stats.scheduled).toBe(5);
  });

  it('holds every ETA task with etaHoldLimit 0, or on a broker without publishDelayed', async () => {
    const w = setup({ etaHoldLimit: 0 });
    await send(clock.now() + HOUR);
    await w.start();
    await until(() => w.stats.scheduled === 1);
    await settle();
    expect(calls).toHaveLength(0);
    await w.stop({ force: true });

    const plain = setup({ etaHoldLimit: 60 }, memory);
    await plain.start();
    await until(() => plain.stats.scheduled === 1);
    expect(calls).toHaveLength(0);
  });
});
