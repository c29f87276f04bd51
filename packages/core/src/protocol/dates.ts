/**
 * Celery's date strings (`eta`, `expires`, `date_done`, tagged datetimes). We write the one form
 * that every Celery 5.2–5.6 reader parses the same way, and read every form Celery writes.
 */
import { DecodeError, EncodeError } from '../errors.js';

const pad2 = (n: number): string => (n < 10 ? `0${n}` : String(n));

/**
 * Formats a date as `YYYY-MM-DDTHH:MM:SS.ffffff+00:00` (UTC, always 6 fraction digits, `+00:00`).
 *
 * Why this exact form: Celery 5.2 reads the fraction as an integer count of microseconds (so the 3
 * digits of `toISOString()` would mean µs, not ms), and Python < 3.11 `fromisoformat` (Celery
 * 5.3.0–5.3.4, kombu ≥ 5.3 tagged datetimes) rejects `Z` and 1, 2, 4 or 5 fraction digits.
 *
 * @throws EncodeError for an invalid Date or a year outside Python's 1..9999.
 * @example
 * formatCeleryDate(new Date(Date.UTC(2026, 10, 23, 18, 46, 42, 215))); // '2026-11-23T18:46:42.215000+00:00'
 */
export function formatCeleryDate(date: Date): string {
  const time = date instanceof Date ? date.getTime() : Number.NaN;
  if (!Number.isFinite(time)) throw new EncodeError('Cannot format an invalid Date');
  const year = date.getUTCFullYear();
  if (year < 1 || year > 9999) throw new EncodeError(`Year ${year} is outside Python's datetime range (1..9999)`);
  const ms = date.getUTCMilliseconds();
  return (
    `${String(year).padStart(4, '0')}-${pad2(date.getUTCMonth() + 1)}-${pad2(date.getUTCDate())}` +
    `T${pad2(date.getUTCHours())}:${pad2(date.getUTCMinutes())}:${pad2(date.getUTCSeconds())}` +
    `.${String(ms).padStart(3, '0')}000+00:00`
  );
}

// date [sep time[.fraction]] [zone]; the separator is `T` or a space (Python isoformat(sep=' ')).
const ISO_DATE =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?\s*(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)?)?$/;

const MAX_DATE_LENGTH = 100;

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeap(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/**
 * Parses the ISO 8601 forms Celery and kombu emit: `Z`, `±HH:MM`, `±HHMM`, `±HH`, naive (taken as
 * UTC, as every Celery version does with `enable_utc`), a date alone (midnight UTC), and any number
 * of fraction digits read as a true fraction (like dateutil, Celery ≥ 5.3.5). JavaScript dates hold
 * milliseconds, so digits past the third are truncated.
 *
 * @throws DecodeError for anything else (including out-of-range fields such as month 13).
 * @example
 * parseCeleryDate('2026-11-23T18:46:42.215765+00:00').toISOString(); // '2026-11-23T18:46:42.215Z'
 */
export function parseCeleryDate(text: string): Date {
  if (typeof text !== 'string') throw new DecodeError(`Expected an ISO 8601 date string, got ${typeof text}`);
  // Real dates are ~32 characters; the cap keeps a hostile header from costing regex time.
  const m = text.length <= MAX_DATE_LENGTH ? ISO_DATE.exec(text.trim()) : null;
  if (!m) throw new DecodeError(`Invalid ISO 8601 date: ${JSON.stringify(text.slice(0, 64))}`);
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const ms = m[7] === undefined ? 0 : Number(m[7].slice(0, 3).padEnd(3, '0'));
  let offsetMinutes = 0;
  if (m[9] !== undefined) {
    const oh = Number(m[10]);
    const om = m[11] === undefined ? 0 : Number(m[11]);
    if (oh > 23 || om > 59) throw new DecodeError(`Invalid UTC offset in date: ${JSON.stringify(text)}`);
    offsetMinutes = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const maxDay = month === 2 && !isLeap(year) ? 28 : (DAYS_IN_MONTH[month - 1] ?? 0);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > maxDay || hour > 23 || minute > 59 || second > 59) {
    throw new DecodeError(`Date field out of range: ${JSON.stringify(text)}`);
  }
  const date = new Date(0);
  // setUTCFullYear, not Date.UTC: Date.UTC maps years 0..99 to 1900..1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, ms);
  return new Date(date.getTime() - offsetMinutes * 60_000);
}
