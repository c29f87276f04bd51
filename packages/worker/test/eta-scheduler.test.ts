import { describe, expect, it } from 'vitest';
import { createEtaScheduler } from '../src/eta-scheduler.js';
import { createFakeClock } from './fake-clock.js';

const DAY = 24 * 3600 * 1000;

function setup() {
  const clock = createFakeClock();
  const due: Array<{ item: string; at: number }> = [];
  const sizes: number[] = [];
  const scheduler = createEtaScheduler<string>({ clock, due: (item) => due.push({ item, at: clock.now() }), changed: (held) => sizes.push(held) });
  return { clock, due, sizes, scheduler };
}

describe('ETA scheduler', () => {
  it('holds an item until the clock reaches its ETA, then hands it over once', () => {
    const { clock, due, scheduler } = setup();
    const eta = clock.now() + 5_000;
    scheduler.hold('a', eta);
    clock.advance(4_999);
    expect(due).toEqual([]);
    expect(scheduler.size).toBe(1);
    clock.advance(1);
    expect(due).toEqual([{ item: 'a', at: eta }]);
    expect(scheduler.size).toBe(0);
    clock.advance(DAY);
    expect(due).toHaveLength(1);
  });

  it('hands items over in ETA order, whatever order they came in', () => {
    const { clock, due, scheduler } = setup();
    scheduler.hold('late', clock.now() + 3_000);
    scheduler.hold('early', clock.now() + 1_000);
    clock.advance(10_000);
    expect(due.map((d) => d.item)).toEqual(['early', 'late']);
  });

  it('re-arms an ETA beyond the 2^31-1 ms a timer can wait, and hands it over only at the ETA', () => {
    const { clock, due, scheduler } = setup();
    // The fake clock throws on a longer timer, as Node would fire one at once.
    const eta = clock.now() + 40 * DAY;
    scheduler.hold('far', eta);
    clock.advance(2 ** 31 - 1);
    expect(due).toEqual([]);
    expect(clock.pending).toBe(1);
    clock.advance(eta - clock.now() - 1);
    expect(due).toEqual([]);
    clock.advance(1);
    expect(due).toEqual([{ item: 'far', at: eta }]);
    expect(clock.pending).toBe(0);
  });

  it('hands over an ETA already past on the next turn of the clock', () => {
    const { clock, due, scheduler } = setup();
    scheduler.hold('past', clock.now() - 1_000);
    expect(due).toEqual([]);
    clock.advance(0);
    expect(due.map((d) => d.item)).toEqual(['past']);
  });

  it('releaseAll cancels every timer and gives the items back', () => {
    const { clock, due, sizes, scheduler } = setup();
    scheduler.hold('a', clock.now() + 1_000);
    scheduler.hold('b', clock.now() + 60 * DAY);
    expect(sizes).toEqual([1, 2]);
    expect(scheduler.releaseAll().sort()).toEqual(['a', 'b']);
    expect(sizes).toEqual([1, 2, 0]);
    expect(scheduler.size).toBe(0);
    expect(clock.pending).toBe(0);
    clock.advance(90 * DAY);
    expect(due).toEqual([]);
  });

  it('drop cancels the timers of the matching items only and reports the new size', () => {
    const { clock, due, sizes, scheduler } = setup();
    scheduler.hold('a', clock.now() + 1_000);
    scheduler.hold('b', clock.now() + 2_000);
    expect(scheduler.drop((item) => item === 'a')).toEqual(['a']);
    expect(scheduler.size).toBe(1);
    expect(sizes.at(-1)).toBe(1);
    clock.advance(DAY);
    expect(due.map((d) => d.item)).toEqual(['b']);
    expect(scheduler.drop(() => true)).toEqual([]);
  });
});
