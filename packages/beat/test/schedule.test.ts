import { describe, expect, it } from 'vitest';
import { at, BeatScheduleError, checkSchedule, cron, defaultExpiresSeconds, every, nextTick } from '../src/index.js';

const ms = (iso: string): number => Date.parse(iso);
const iso = (t: number | undefined): string | undefined => (t === undefined ? undefined : new Date(t).toISOString());

describe('every N seconds', () => {
  it('ticks on multiples of the interval since the epoch, strictly after the instant', () => {
    expect(nextTick(every(1), 1500)).toBe(2000);
    expect(nextTick(every(1), 2000)).toBe(3000);
    expect(nextTick(every(60), ms('2026-01-01T00:00:30Z'))).toBe(ms('2026-01-01T00:01:00Z'));
    expect(nextTick(every(0.25), 1000)).toBe(1250);
  });
});

describe('cron with a time zone', () => {
  const daily = cron('30 2 * * *', 'Europe/Berlin');

  it('runs at the wall time of the zone', () => {
    expect(iso(nextTick(daily, ms('2026-01-10T12:00:00Z')))).toBe('2026-01-11T01:30:00.000Z'); // 02:30 CET
    expect(iso(nextTick(daily, ms('2026-07-10T12:00:00Z')))).toBe('2026-07-11T00:30:00.000Z'); // 02:30 CEST
  });

  it('a daily 02:30 on the night 02:30 is skipped (clocks go 02:00 -> 03:00) runs once, at 03:30 local', () => {
    const first = nextTick(daily, ms('2026-03-28T12:00:00Z'));
    expect(iso(first)).toBe('2026-03-29T01:30:00.000Z'); // 03:30 CEST
    expect(iso(nextTick(daily, first!))).toBe('2026-03-30T00:30:00.000Z'); // back to 02:30 CEST
  });

  it('a daily 02:30 on the night 02:30 happens twice (clocks go 03:00 -> 02:00) runs once, at the first', () => {
    const first = nextTick(daily, ms('2026-10-24T12:00:00Z'));
    expect(iso(first)).toBe('2026-10-25T00:30:00.000Z'); // the first 02:30, still CEST
    expect(iso(nextTick(daily, first!))).toBe('2026-10-26T01:30:00.000Z'); // not 01:30Z (the second 02:30) the same day
  });

  it('defaults to UTC and accepts six fields (seconds)', () => {
    expect(iso(nextTick(cron('0 9 * * *'), ms('2026-01-10T12:00:00Z')))).toBe('2026-01-11T09:00:00.000Z');
    expect(nextTick(cron('* * * * * *'), 1500)).toBe(2000);
  });
});

describe('once at a time', () => {
  it('ticks once, then never', () => {
    const once = at('2026-05-01T10:00:00Z');
    expect(iso(nextTick(once, ms('2026-04-01T00:00:00Z')))).toBe('2026-05-01T10:00:00.000Z');
    expect(nextTick(once, ms('2026-05-01T10:00:00Z'))).toBeUndefined();
  });
});

describe('checkSchedule', () => {
  it('rejects what cannot run with a BeatScheduleError', () => {
    expect(() => every(0)).toThrow(BeatScheduleError);
    expect(() => cron('61 * * * *')).toThrow(/invalid cron schedule '61 \* \* \* \*'/);
    expect(() => cron('0 2 * * *', 'Mars/Olympus')).toThrow(BeatScheduleError);
    expect(() => at('not a date')).toThrow(BeatScheduleError);
    expect(() => checkSchedule({ hourly: true })).toThrow(/a schedule is/);
    expect(() => checkSchedule({ cron: '0 0 30 2 *' })).toThrow(/never runs/);
  });
});

describe('defaultExpiresSeconds', () => {
  it('is the time to the next tick; a one-off has none', () => {
    expect(defaultExpiresSeconds(every(10), 20_000)).toBe(10);
    expect(defaultExpiresSeconds(cron('0 * * * *'), ms('2026-01-01T05:00:00Z'))).toBe(3600);
    expect(defaultExpiresSeconds(at('2026-05-01T10:00:00Z'), ms('2026-05-01T10:00:00Z'))).toBeUndefined();
  });
});
