import { describe, expect, it } from 'vitest';
import { BeatScheduleError, cron, defineSchedule, every, scheduleFromConfig } from '../src/index.js';

describe('defineSchedule', () => {
  it('fills the defaults of each entry', () => {
    const [entry] = defineSchedule({ 'add-every-10s': { task: 'tasks.add', schedule: every(10), args: [2, 3], options: { queue: 'periodic' } } });
    expect(entry).toEqual({ name: 'add-every-10s', task: 'tasks.add', schedule: { every: 10 }, args: [2, 3], kwargs: {}, options: { queue: 'periodic' }, missed: 'run-once' });
  });

  it('names the bad entry and what is wrong with it', () => {
    expect(() => defineSchedule({ nightly: { task: '', schedule: every(1) } })).toThrow(new BeatScheduleError("beat entry 'nightly': 'task' must be a task name"));
    expect(() => defineSchedule({ nightly: { task: 't', schedule: 'nope' } })).toThrow(/beat entry 'nightly': invalid cron schedule 'nope'/);
    expect(() => defineSchedule({ n: { task: 't', schedule: 1, options: { priority: 1.5 } } })).toThrow(/'options.priority' must be an integer/);
    expect(() => defineSchedule({ n: { task: 't', schedule: 1, options: { expires: 0 } } })).toThrow(/'options.expires'/);
    expect(() => defineSchedule({ n: { task: 't', schedule: 1, missed: 'later' as 'skip' } })).toThrow(/'missed'/);
  });
});

describe('scheduleFromConfig', () => {
  it("reads Celery's beat_schedule: numbers are seconds, strings are cron in the configuration's timezone", () => {
    const entries = scheduleFromConfig({
      timezone: 'Europe/Paris',
      beat_schedule: {
        'every-30s': { task: 'tasks.ping', schedule: 30, kwargs: { loud: true } },
        nightly: { task: 'tasks.report', schedule: '30 2 * * *', options: { expires: 60, priority: 3 } },
        'in-utc': { task: 'tasks.report', schedule: cron('0 3 * * *') },
      },
    });
    expect(entries.map((e) => [e.name, e.schedule])).toEqual([
      ['every-30s', { every: 30 }],
      ['nightly', { cron: '30 2 * * *', timezone: 'Europe/Paris' }],
      ['in-utc', { cron: '0 3 * * *' }],
    ]);
    expect(entries[0]!.kwargs).toEqual({ loud: true });
    expect(entries[1]!.options).toEqual({ expires: 60, priority: 3 });
  });

  it('reads beatSchedule too; none is an empty schedule; a bad table is an error', () => {
    expect(scheduleFromConfig({ beatSchedule: { a: { task: 't', schedule: 5 } } })).toHaveLength(1);
    expect(scheduleFromConfig({})).toEqual([]);
    expect(() => scheduleFromConfig({ beat_schedule: [] })).toThrow(BeatScheduleError);
  });
});
