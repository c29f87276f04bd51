import { describe, expect, it, vi } from 'vitest';
import type { Clock } from '@celerity/core';
import { at, BeatRunner, defineSchedule, every } from '../src/index.js';
import { createCapturingLogger } from '@celerity/testing';
import { MemoryBeatStore } from './memory-beat-store.js';

/** A clock that moves only when told to (the runner's steps are called by hand). */
function manualClock(start: number): Clock & { set(ms: number): void } {
  let now = start;
  return { now: () => now, setTimeout: () => undefined, clearTimeout: () => undefined, set: (ms) => void (now = ms) };
}

function setup(entries = defineSchedule({ tick: { task: 'tasks.tick', schedule: every(1) } })) {
  const clock = manualClock(10_500);
  const store = new MemoryBeatStore(clock.now);
  store.entries = entries;
  const sent: Array<{ by: string; name: string; tick: number }> = [];
  const runner = (by: string, leaseMs = 3000): BeatRunner =>
    new BeatRunner({ store, clock, leaseMs, pollMs: 250, send: async (entry, tick) => void sent.push({ by, name: entry.name, tick }) });
  return { clock, store, sent, runner };
}

describe('BeatRunner', () => {
  it('starts a new entry after now, then sends each tick once', async () => {
    const { clock, sent, runner } = setup();
    const beat = runner('a');
    await beat.step();
    expect(beat.token).toBe(1);
    expect(sent).toEqual([]);
    for (const t of [11_000, 11_200, 12_100, 12_150, 13_000]) {
      clock.set(t);
      await beat.step();
    }
    expect(sent.map((s) => s.tick)).toEqual([11_000, 12_000, 13_000]);
  });

  it("sends each missed tick once, in order ('run-once'), or records and skips the late ones ('skip')", async () => {
    const entries = defineSchedule({ once: { task: 't', schedule: every(1) }, skip: { task: 't', schedule: every(1), missed: 'skip' } });
    const { clock, sent, runner } = setup(entries);
    const beat = runner('a', 60_000);
    await beat.step();
    clock.set(15_100);
    await beat.step();
    expect(sent.filter((s) => s.name === 'once').map((s) => s.tick)).toEqual([11_000, 12_000, 13_000, 14_000, 15_000]);
    expect(sent.filter((s) => s.name === 'skip').map((s) => s.tick)).toEqual([15_000]);
  });

  it('with two runners only the lease holder sends; a dead leader is replaced after the lease and no tick is sent twice or lost', async () => {
    const { clock, sent, runner } = setup();
    const a = runner('a');
    const b = runner('b');
    await a.step();
    await b.step();
    expect([a.token, b.token]).toEqual([1, undefined]);
    for (let t = 10_750; t <= 14_000; t += 250) {
      clock.set(t);
      await a.step();
      await b.step();
    }
    // a stops (killed): b takes over once the lease it renewed last at 14_000 lapses.
    for (let t = 14_250; t <= 20_000; t += 250) {
      clock.set(t);
      await b.step();
    }
    expect(b.token).toBe(2);
    // a wakes up (it was paused, not dead): its renewal fails, it sends nothing more.
    const before = sent.length;
    await a.step();
    expect(a.token).toBeUndefined();
    expect(sent.length).toBe(before);
    const ticks = sent.map((s) => s.tick);
    expect(ticks).toEqual([11_000, 12_000, 13_000, 14_000, 15_000, 16_000, 17_000, 18_000, 19_000, 20_000]);
    expect(sent.filter((s) => s.by === 'b').map((s) => s.tick)[0]).toBe(15_000);
  });

  it('lateAfterMs decides which ticks count as missed; the logger hears of leading, sends and skips', async () => {
    const entries = defineSchedule({ skip: { task: 'tasks.skip', schedule: every(1), missed: 'skip' } });
    const { clock, store, sent } = setup(entries);
    const logger = createCapturingLogger();
    const beat = new BeatRunner({ store, clock, leaseMs: 60_000, pollMs: 250, lateAfterMs: 2500, logger, send: async (entry, tick) => void sent.push({ by: 'a', name: entry.name, tick }) });
    await beat.step();
    clock.set(15_100);
    await beat.step();
    // 11 s and 12 s are more than 2.5 s late: skipped; 13, 14 and 15 s are sent.
    expect(sent.map((s) => s.tick)).toEqual([13_000, 14_000, 15_000]);
    expect(logger.lines.map((l) => l.message)).toEqual([
      'beat: leading',
      'beat: skipped missed tick of skip',
      'beat: skipped missed tick of skip',
      'beat: sent skip (tasks.skip)',
      'beat: sent skip (tasks.skip)',
      'beat: sent skip (tasks.skip)',
    ]);
  });

  it('sends a one-off once, and a disabled entry never', async () => {
    const entries = defineSchedule({ once: { task: 't', schedule: at(new Date(12_000)) }, off: { task: 't', schedule: every(1) } });
    const { clock, store, sent, runner } = setup(entries);
    store.disabled.add('off');
    const beat = runner('a');
    for (const t of [10_500, 12_000, 13_000, 14_000]) {
      clock.set(t);
      await beat.step();
    }
    expect(sent).toEqual([{ by: 'a', name: 'once', tick: 12_000 }]);
  });

  it('gives the lease up on stop, so another runner leads at once', async () => {
    const { runner } = setup();
    const a = runner('a');
    await a.step();
    await a.stop();
    const b = runner('b');
    await b.step();
    expect(b.token).toBe(2);
  });

  it('start polls every pollMs through the injected clock; stop cancels the timer and releases the lease', async () => {
    const { clock, store, sent } = setup();
    const timers: Array<{ callback: () => void; ms: number }> = [];
    let cleared = 0;
    const timed = { ...clock, setTimeout: (callback: () => void, ms: number) => timers.push({ callback, ms }), clearTimeout: () => void cleared++ };
    const beat = new BeatRunner({ store, clock: timed, leaseMs: 3000, pollMs: 250, send: async (entry, tick) => void sent.push({ by: 'a', name: entry.name, tick }) });
    beat.start();
    await vi.waitFor(() => expect(timers).toHaveLength(1));
    expect(timers[0]!.ms).toBe(250);
    expect(beat.token).toBe(1);
    clock.set(11_000);
    timers[0]!.callback();
    await vi.waitFor(() => expect(timers).toHaveLength(2));
    expect(sent.map((s) => s.tick)).toEqual([11_000]);
    await beat.stop();
    expect(cleared).toBe(1);
    expect(store.lease).toBeUndefined();
    expect(beat.token).toBeUndefined();
  });

  it('refuses a poll as long as the lease', () => {
    const { store } = setup();
    expect(() => new BeatRunner({ store, send: async () => undefined, leaseMs: 1000, pollMs: 1000 })).toThrow(RangeError);
  });
});
