/**
 * A beat entry: which task to send, with what, on which schedule. `defineSchedule` checks entries
 * written in code; `scheduleFromConfig` reads Celery's `beat_schedule` shape from the app configuration.
 */
import { BeatScheduleError } from './errors.js';
import { checkSchedule, type Schedule } from './schedule.js';

/** Send options of an entry's messages (Celery's `options` of a `beat_schedule` entry). */
export interface EntrySendOptions {
  queue?: string;
  priority?: number;
  /** Seconds after the tick the message expires. Default: the time to the next tick (none for a one-off). */
  expires?: number;
}

/**
 * What to do with ticks that were due while no leader ran (found late by more than the runner's
 * `lateAfterMs`): `'run-once'` sends each such tick once, in order; `'skip'` records them without sending.
 */
export type MissedTickPolicy = 'run-once' | 'skip';

export interface BeatEntry {
  name: string;
  /** The task's registered name, e.g. `'tasks.add'`. */
  task: string;
  schedule: Schedule;
  args: unknown[];
  kwargs: Record<string, unknown>;
  options: EntrySendOptions;
  missed: MissedTickPolicy;
}

/** An entry as written in code or configuration: `schedule` may also be seconds (number) or a cron string. */
export interface BeatEntryInput {
  task: string;
  schedule: Schedule | number | string;
  args?: readonly unknown[];
  kwargs?: Record<string, unknown>;
  options?: EntrySendOptions;
  missed?: MissedTickPolicy;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks one entry (from code, configuration, the CLI or Redis); throws {@link BeatScheduleError} naming it. */
export function checkEntry(name: string, input: unknown, timezone?: string): BeatEntry {
  const fail = (why: string): never => {
    throw new BeatScheduleError(`beat entry '${name}': ${why}`);
  };
  if (name.length === 0) fail('the name is empty');
  if (!isRecord(input)) return fail(`expected an object, got ${JSON.stringify(input)}`);
  if (typeof input.task !== 'string' || input.task.length === 0) fail("'task' must be a task name");
  const raw = input.schedule;
  let schedule: Schedule;
  try {
    schedule = checkSchedule(typeof raw === 'number' ? { every: raw } : typeof raw === 'string' ? (timezone ? { cron: raw, timezone } : { cron: raw }) : raw);
  } catch (error) {
    return fail((error as Error).message);
  }
  if (input.args !== undefined && !Array.isArray(input.args)) fail("'args' must be an array");
  if (input.kwargs !== undefined && !isRecord(input.kwargs)) fail("'kwargs' must be an object");
  if (input.missed !== undefined && input.missed !== 'run-once' && input.missed !== 'skip') fail("'missed' must be 'run-once' or 'skip'");
  const options = input.options ?? {};
  if (!isRecord(options)) return fail("'options' must be an object");
  const out: EntrySendOptions = {};
  if (options.queue !== undefined) out.queue = typeof options.queue === 'string' ? options.queue : fail("'options.queue' must be a string");
  if (options.priority !== undefined) out.priority = Number.isInteger(options.priority) ? (options.priority as number) : fail("'options.priority' must be an integer");
  if (options.expires !== undefined) out.expires = typeof options.expires === 'number' && options.expires > 0 ? options.expires : fail("'options.expires' must be a positive number of seconds");
  return {
    name,
    task: input.task as string,
    schedule,
    args: [...((input.args as unknown[] | undefined) ?? [])],
    kwargs: { ...((input.kwargs as Record<string, unknown> | undefined) ?? {}) },
    options: out,
    missed: (input.missed as MissedTickPolicy | undefined) ?? 'run-once',
  };
}

/** Entries written in code, by name. Throws {@link BeatScheduleError} on the first bad one. */
export function defineSchedule(entries: Record<string, BeatEntryInput>): BeatEntry[] {
  return Object.entries(entries).map(([name, input]) => checkEntry(name, input));
}

/**
 * The entries of an app configuration: Celery's `beat_schedule` (or `beatSchedule`), with number
 * schedules as seconds and string schedules as cron expressions in the configuration's `timezone`.
 */
export function scheduleFromConfig(config: Record<string, unknown>): BeatEntry[] {
  const table = config.beatSchedule ?? config.beat_schedule;
  if (table === undefined) return [];
  if (!isRecord(table)) throw new BeatScheduleError('beat_schedule must be an object of entries by name');
  const timezone = typeof config.timezone === 'string' ? config.timezone : undefined;
  return Object.entries(table).map(([name, input]) => checkEntry(name, input, timezone));
}
