/**
 * When an entry runs: a cron expression in a time zone (evaluated by croner), every N seconds, or
 * once at a time. Pure functions of a time: they take the instant to look after and return the next
 * tick in epoch milliseconds, so they are tested with plain numbers and no clock.
 */
import { Cron } from 'croner';
import { BeatScheduleError } from './errors.js';

/** Every `every` seconds, on multiples of the interval since the epoch (so every process agrees on the ticks). */
export interface EverySchedule {
  every: number;
}
/** A five- or six-field cron expression, in `timezone` (IANA name; default UTC). */
export interface CronSchedule {
  cron: string;
  timezone?: string;
}
/** Once, at `at` (ISO 8601 instant). */
export interface AtSchedule {
  at: string;
}
export type Schedule = EverySchedule | CronSchedule | AtSchedule;

/** Every `seconds` seconds (whole milliseconds; at least 0.001). */
export function every(seconds: number): EverySchedule {
  return checkSchedule({ every: seconds }) as EverySchedule;
}
/** A cron expression in a time zone. */
export function cron(expression: string, timezone?: string): CronSchedule {
  return checkSchedule(timezone === undefined ? { cron: expression } : { cron: expression, timezone }) as CronSchedule;
}
/** Once at `when`. */
export function at(when: Date | string): AtSchedule {
  return checkSchedule({ at: typeof when === 'string' ? when : Number.isNaN(when.getTime()) ? String(when) : when.toISOString() }) as AtSchedule;
}

/** The first run of a cron schedule after `afterMs`; croner's errors (bad expression or zone) become BeatScheduleError. */
function cronNext(schedule: CronSchedule, afterMs: number): number | undefined {
  try {
    return new Cron(schedule.cron, { timezone: schedule.timezone ?? 'UTC', paused: true }).nextRun(new Date(afterMs))?.getTime();
  } catch (cause) {
    throw new BeatScheduleError(`invalid cron schedule '${schedule.cron}'${schedule.timezone ? ` in ${schedule.timezone}` : ''}: ${(cause as Error).message}`, { cause });
  }
}

/** Validates a schedule read from code, configuration or Redis; returns it or throws {@link BeatScheduleError}. */
export function checkSchedule(value: unknown): Schedule {
  if (typeof value !== 'object' || value === null) throw new BeatScheduleError(`a schedule is {every}, {cron, timezone?} or {at}, not ${JSON.stringify(value)}`);
  const v = value as Record<string, unknown>;
  if ('every' in v) {
    if (typeof v.every !== 'number' || !Number.isFinite(v.every) || Math.round(v.every * 1000) < 1) throw new BeatScheduleError(`'every' must be a positive number of seconds, not ${JSON.stringify(v.every)}`);
    return { every: v.every };
  }
  if ('cron' in v) {
    if (typeof v.cron !== 'string') throw new BeatScheduleError(`'cron' must be a string, not ${JSON.stringify(v.cron)}`);
    if (v.timezone !== undefined && typeof v.timezone !== 'string') throw new BeatScheduleError(`'timezone' must be a string`);
    const schedule: CronSchedule = v.timezone === undefined ? { cron: v.cron } : { cron: v.cron, timezone: v.timezone };
    if (cronNext(schedule, 0) === undefined) throw new BeatScheduleError(`cron schedule '${v.cron}' never runs`);
    return schedule;
  }
  if ('at' in v) {
    const ms = typeof v.at === 'string' ? Date.parse(v.at) : NaN;
    if (Number.isNaN(ms)) throw new BeatScheduleError(`'at' must be an ISO 8601 time, not ${JSON.stringify(v.at)}`);
    return { at: new Date(ms).toISOString() };
  }
  throw new BeatScheduleError(`a schedule is {every}, {cron, timezone?} or {at}, not ${JSON.stringify(value)}`);
}

/** The first tick strictly after `afterMs`, or undefined when there is none (a past one-off). */
export function nextTick(schedule: Schedule, afterMs: number): number | undefined {
  if ('every' in schedule) {
    const step = Math.round(schedule.every * 1000);
    return Math.floor(afterMs / step) * step + step;
  }
  if ('cron' in schedule) return cronNext(schedule, afterMs);
  const ms = Date.parse(schedule.at);
  return ms > afterMs ? ms : undefined;
}

/** The default `expires` of a message, in seconds: the time to the next tick, so a backlog does not pile up. */
export function defaultExpiresSeconds(schedule: Schedule, tickMs: number): number | undefined {
  if ('at' in schedule) return undefined;
  const next = nextTick(schedule, tickMs);
  return next === undefined ? undefined : (next - tickMs) / 1000;
}
