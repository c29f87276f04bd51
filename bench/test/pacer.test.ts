import { describe, expect, it } from 'vitest';
import { runPaced } from '../src/latency/pacer.js';
import type { PacerClock } from '../src/latency/pacer.js';

/** A clock that only moves when the pacer sleeps: each sleep overshoots by `overshootMs` (a late timer), and `stalls` add more. */
function fakeClock(overshootMs: number, stalls: Record<number, number> = {}): PacerClock & { sleeps: number } {
  let now = 1000;
  const clock = {
    sleeps: 0,
    now: () => now,
    async sleep(ms: number) {
      expect(ms).toBeGreaterThan(0);
      now += ms + overshootMs + (stalls[clock.sleeps] ?? 0);
      clock.sleeps++;
    },
  };
  return clock;
}

async function paced(ratePerS: number, count: number, clock: PacerClock): Promise<{ at: number[]; run: Awaited<ReturnType<typeof runPaced>> }> {
  const at: number[] = [];
  const run = await runPaced({ ratePerS, count, clock, send: (i) => void (at[i] = clock.now()) });
  return { at, run };
}

describe('runPaced', () => {
  it('sends every slot on time with a punctual clock', async () => {
    const clock = fakeClock(0);
    const { at, run } = await paced(100, 50, clock);
    expect(run.sent).toBe(50);
    expect(at).toHaveLength(50);
    at.forEach((t, i) => expect(t).toBeCloseTo(1000 + i * 10, 6));
    expect(Math.max(...run.lateMs)).toBeLessThan(1e-6);
    expect(run.firstAt).toBe(1000);
    expect(run.lastAt).toBeCloseTo(1490, 6);
  });

  it('does not drift when every timer fires late: the schedule is counted from the start', async () => {
    // 1000/s for 2 s with a timer that always wakes 0.7 ms late. Adding intervals would end the run 700 ms late.
    const clock = fakeClock(0.7);
    const { at, run } = await paced(1000, 2000, clock);
    expect(run.sent).toBe(2000);
    at.forEach((t, i) => expect(t - 1000).toBeGreaterThanOrEqual(i - 1e-6)); // never before its slot
    expect(Math.max(...run.lateMs)).toBeLessThanOrEqual(0.7 + 1e-6);
    expect(run.lastAt - run.firstAt).toBeLessThan(1999 + 1);
  });

  it('catches up after a stall by sending what fell due at once, keeping the count and the end time', async () => {
    const clock = fakeClock(0, { 10: 50 }); // the 11th sleep wakes 50 ms late
    const { at, run } = await paced(1000, 200, clock);
    expect(run.sent).toBe(200);
    const burst = at.filter((t) => t === at[11]);
    expect(burst.length).toBeGreaterThanOrEqual(50);
    expect(Math.max(...run.lateMs)).toBeCloseTo(50, 6);
    expect(run.lastAt).toBeCloseTo(1000 + 199, 6);
  });

  it('sends several per wake-up when the interval is below the timer resolution', async () => {
    // 10,000/s: a slot every 0.1 ms, and a timer that never wakes before 1 ms.
    const clock: PacerClock & { sleeps: number } = fakeClock(0);
    const coarse: PacerClock = { now: clock.now, sleep: (ms) => clock.sleep(Math.max(ms, 1)) };
    const { run } = await paced(10_000, 1000, coarse);
    expect(run.sent).toBe(1000);
    expect(clock.sleeps).toBeLessThanOrEqual(101);
    expect(Math.max(...run.lateMs)).toBeLessThanOrEqual(1 + 1e-6);
  });

  it('rejects a rate or count it cannot schedule', async () => {
    const clock = fakeClock(0);
    await expect(runPaced({ ratePerS: 0, count: 1, clock, send: () => undefined })).rejects.toThrow(RangeError);
    await expect(runPaced({ ratePerS: Number.NaN, count: 1, clock, send: () => undefined })).rejects.toThrow(/rate/);
    await expect(runPaced({ ratePerS: 10, count: 1.5, clock, send: () => undefined })).rejects.toThrow(/count/);
  });
});
