/**
 * What a leader that dies mid-send costs, in both delivery modes, with the store's rules in memory
 * (store.int / takeover.int tests run the same against Redis and the brokers). A "dead" leader is a
 * runner whose send never returns: nothing after that point of its poll ever happens.
 */
import { describe, expect, it } from 'vitest';
import type { Clock } from '@celerity/core';
import { BeatRunner, defineSchedule, every, type TickPusher, type TickSender } from '../src/index.js';
import { MemoryBeatStore } from './memory-beat-store.js';

function manualClock(start: number): Clock & { set(ms: number): void } {
  let now = start;
  return { now: () => now, setTimeout: () => undefined, clearTimeout: () => undefined, set: (ms) => void (now = ms) };
}

const never = new Promise<never>(() => undefined);

function setup() {
  const clock = manualClock(10_500);
  const store = new MemoryBeatStore(clock.now);
  store.entries = defineSchedule({ tick: { task: 'tasks.tick', schedule: every(1) } });
  const published: Array<{ by: string; tick: number; taskId: string }> = [];
  const runner = (by: string, deliver: { send: TickSender } | { push: TickPusher }): BeatRunner => new BeatRunner({ store, clock, leaseMs: 3000, pollMs: 250, ...deliver });
  const sender = (by: string): TickSender => async (_entry, tick, taskId) => void published.push({ by, tick, taskId });
  const pusher: TickPusher = async (entry, tick, taskId) => ({ list: 'q', raw: `${entry.task} ${tick} ${taskId}` });
  /** Steps `b` from 14 s (a's lease, last renewed at 11 s, is out) to `until`. */
  const takeOver = async (b: BeatRunner, until: number): Promise<void> => {
    for (let t = 14_250; t <= until; t += 250) {
      clock.set(t);
      await b.step();
    }
  };
  return { clock, store, published, runner, sender, pusher, takeOver };
}

describe('send: claim, publish, confirm', () => {
  it('a leader dead between the claim and the publish: the next leader sends that tick once, with its task id, before newer ones', async () => {
    const { clock, store, published, runner, sender, takeOver } = setup();
    const a = runner('a', { send: async (entry, tick, id) => (tick === 11_000 ? never : sender('a')(entry, tick, id)) });
    await a.step();
    clock.set(11_000);
    void a.step(); // claims 11 s, then hangs where the publish would be
    await new Promise((resolve) => setImmediate(resolve));
    expect(store.pending.get('tick')).toEqual({ tick: 11_000, taskId: 'tick@11000' });
    const b = runner('b', { send: sender('b') });
    await takeOver(b, 16_000);
    expect(published).toEqual([11_000, 12_000, 13_000, 14_000, 15_000, 16_000].map((tick) => ({ by: 'b', tick, taskId: `tick@${tick}` })));
    expect(store.pending.size).toBe(0);
  });

  it('a leader dead after the broker took the message but before the confirm: the tick is sent twice, both with the same task id', async () => {
    const { clock, published, runner, sender, takeOver } = setup();
    const a = runner('a', { send: async (entry, tick, id) => (await sender('a')(entry, tick, id), tick === 11_000 ? never : undefined) });
    await a.step();
    clock.set(11_000);
    void a.step();
    await new Promise((resolve) => setImmediate(resolve));
    const b = runner('b', { send: sender('b') });
    await takeOver(b, 14_250);
    expect(published.filter((p) => p.tick === 11_000)).toEqual([
      { by: 'a', tick: 11_000, taskId: 'tick@11000' },
      { by: 'b', tick: 11_000, taskId: 'tick@11000' },
    ]);
    expect(published.map((p) => p.tick)).toEqual([11_000, 11_000, 12_000, 13_000, 14_000]);
  });

  it('a failed publish leaves the tick pending: the next poll re-sends it before claiming newer ticks', async () => {
    const { clock, store, published, runner, sender } = setup();
    let fail = true;
    const a = runner('a', { send: async (entry, tick, id) => (fail ? Promise.reject(new Error('broker down')) : sender('a')(entry, tick, id)) });
    await a.step();
    clock.set(12_100);
    await a.step(); // 11 s claimed, its publish fails: 12 s is not claimed
    expect(store.pending.get('tick')?.tick).toBe(11_000);
    expect(store.lastRun.get('tick')).toBe(11_000);
    fail = false;
    await a.step();
    expect(published.map((p) => p.tick)).toEqual([11_000, 12_000]);
    expect(store.pending.size).toBe(0);
  });
});

describe('push: claim and queue in one script', () => {
  it('a leader dead before its claim script: the next leader queues that tick; the old one, resumed, queues nothing', async () => {
    const { clock, store, runner, pusher, takeOver } = setup();
    let release: () => void = () => undefined;
    const stalled = new Promise<void>((resolve) => (release = resolve));
    const a = runner('a', { push: async (entry, tick, id) => (tick === 11_000 ? (await stalled, pusher(entry, tick, id)) : pusher(entry, tick, id)) });
    await a.step();
    clock.set(11_000);
    const aStep = a.step(); // stalls before its claim script for 11 s
    const b = runner('b', { push: pusher });
    await takeOver(b, 15_000);
    release();
    await aStep;
    expect(a.token).toBeUndefined();
    expect(store.pushed.map((p) => p.raw)).toEqual([11_000, 12_000, 13_000, 14_000, 15_000].map((t) => `tasks.tick ${t} tick@${t}`));
  });

  it('a leader dead right after its claim script: the tick is queued once, never again', async () => {
    const { clock, store, runner, pusher, takeOver } = setup();
    const a = runner('a', { push: pusher });
    await a.step();
    clock.set(11_000);
    await a.step(); // a queues 11 s, then dies
    const b = runner('b', { push: pusher });
    await takeOver(b, 15_000);
    expect(store.pushed.map((p) => p.raw)).toEqual([11_000, 12_000, 13_000, 14_000, 15_000].map((t) => `tasks.tick ${t} tick@${t}`));
  });

  it('a tick left pending by a leader that published through a broker is pushed (and cleared) in one script', async () => {
    const { store, runner, pusher } = setup();
    store.lastRun.set('tick', 10_000);
    store.pending.set('tick', { tick: 10_000, taskId: 'tick@10000' });
    const b = runner('b', { push: pusher });
    await b.step();
    expect(store.pushed.map((p) => p.raw)).toEqual(['tasks.tick 10000 tick@10000']);
    expect(store.pending.size).toBe(0);
  });
});
