/**
 * Reading flag values the way the commands need them: each bad value is a {@link UsageError} that
 * names the flag and says what it takes, checked before anything is sent.
 */
import { UsageError } from './cli-errors.js';

/** A number of seconds ≥ 0 (`--countdown`, `--expires`); undefined when the flag is absent. */
export function secondsFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new UsageError(`--${flag} takes a number of seconds ≥ 0, got '${value}'`);
  return n;
}

/** A number of seconds > 0 (`--timeout`). */
export function positiveSecondsFlag(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new UsageError(`--${flag} takes a number of seconds > 0, got '${value}'`);
  return n;
}

/** A whole number ≥ 1 (`--count`). */
export function positiveIntegerFlag(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 1) throw new UsageError(`--${flag} takes a whole number ≥ 1, got '${value}'`);
  return n;
}

/** An ISO 8601 date and time (`--eta`). */
export function dateFlag(flag: string, value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  if (value.trim() === '' || Number.isNaN(date.getTime())) throw new UsageError(`--${flag} takes an ISO 8601 date and time (e.g. 2030-01-31T12:00:00Z), got '${value}'`);
  return date;
}

/** A message priority: a whole number 0–255 (Celery's brokers read 0–9 on Redis, 0–255 on RabbitMQ). */
export function priorityFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < 0 || n > 255) throw new UsageError(`--${flag} takes a whole number from 0 to 255 (0–9 on Redis), got '${value}'`);
  return n;
}

/** A JSON value (`--args`, `--kwargs`). */
export function jsonFlag(flag: string, text: string | undefined, fallback: unknown): unknown {
  if (text === undefined) return fallback;
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--${flag} is not valid JSON: ${(error as Error).message}`);
  }
}

/** A comma-separated list (`-Q a,b`, `-d w1@h,w2@h`), blanks dropped. */
export function listFlag(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return value.split(',').map((s) => s.trim()).filter(Boolean);
}
