/**
 * Validation of decoded task message parts: every Celery header and body element is checked for
 * type, and any violation is an `InvalidTaskError` that names the field.
 */
import { CelerityError, InvalidTaskError } from '../errors.js';
import type { Embed } from '../message.js';
import type { SignatureData } from '../signature.js';
import { parseCeleryDate } from './dates.js';

/** Protocol v2 header names Celery defines; any other header is a custom one. */
export const CELERY_TASK_HEADERS: ReadonlySet<string> = new Set([
  'lang', 'task', 'id', 'shadow', 'eta', 'expires', 'group', 'group_index', 'retries', 'timelimit', 'root_id',
  'parent_id', 'argsrepr', 'kwargsrepr', 'origin', 'ignore_result', 'replaced_task_nesting', 'stamped_headers', 'stamps',
]);

/** A plain object (JSON / msgpack map), not an array, Date, bytes or class instance. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'string') return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${typeof value} ${String(value)}`;
  return typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
}

/** Throws the InvalidTaskError for `field` (e.g. `header 'retries'`). */
export function invalid(field: string, expected: string, got: unknown, cause?: unknown): never {
  throw new InvalidTaskError(
    `Invalid task message: ${field} must be ${expected}, got ${describe(got)}`,
    cause === undefined ? {} : { cause },
  );
}

/** Typed readers over one header table; `label` names where fields come from in errors. */
export class FieldReader {
  constructor(
    private readonly fields: Record<string, unknown>,
    private readonly label: string,
  ) {}

  private name(key: string): string {
    return `${this.label} '${key}'`;
  }

  requiredString(key: string): string {
    const v = this.fields[key];
    if (typeof v !== 'string' || v === '') invalid(this.name(key), 'a non-empty string', v);
    return v;
  }

  string(key: string): string | null {
    const v = this.fields[key];
    if (v === undefined || v === null) return null;
    if (typeof v !== 'string') invalid(this.name(key), 'a string or null', v);
    return v;
  }

  boolean(key: string): boolean | null {
    const v = this.fields[key];
    if (v === undefined || v === null) return null;
    if (typeof v !== 'boolean') invalid(this.name(key), 'a boolean or null', v);
    return v;
  }

  /** A non-negative integer; absent / null gives `fallback`. */
  integer<F extends number | null>(key: string, fallback: F): number | F {
    const v = this.fields[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) invalid(this.name(key), 'a non-negative integer', v);
    return v;
  }

  date(key: string): Date | null {
    const v = this.fields[key];
    if (v === undefined || v === null) return null;
    // A tagged datetime revived by a kombu ≥ 5.3-aware JSON envelope decoder arrives as a Date.
    if (v instanceof Date && !Number.isNaN(v.getTime())) return v;
    if (typeof v !== 'string') return invalid(this.name(key), 'an ISO 8601 string or null', v);
    try {
      return parseCeleryDate(v);
    } catch (err) {
      return invalid(this.name(key), 'an ISO 8601 string or null', v, err);
    }
  }

  timeLimit(key: string): [number | null, number | null] {
    const v = this.fields[key];
    if (v === undefined || v === null) return [null, null];
    const ok = (x: unknown): x is number | null => x === null || (typeof x === 'number' && Number.isFinite(x) && x >= 0);
    if (!Array.isArray(v) || v.length !== 2 || !ok(v[0]) || !ok(v[1])) {
      invalid(this.name(key), 'a [hard, soft] pair of seconds or nulls', v);
    }
    return [v[0] as number | null, v[1] as number | null];
  }

  stringList(key: string): string[] {
    const v = this.fields[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) invalid(this.name(key), 'a list of strings or null', v);
    return v as string[];
  }

  record(key: string): Record<string, unknown> {
    const v = this.fields[key];
    if (v === undefined || v === null) return {};
    if (!isRecord(v)) invalid(this.name(key), 'an object or null', v);
    return v;
  }
}

/** Checks one signature dict and fills keys Celery always writes but a hand-made message may omit. */
function signatureData(value: unknown, field: string): SignatureData {
  if (!isRecord(value) || typeof value['task'] !== 'string' || value['task'] === '') {
    return invalid(field, 'a signature object with a task name', value);
  }
  const { args, kwargs, options, subtask_type: subtaskType, immutable } = value;
  if (args !== undefined && !Array.isArray(args)) invalid(`${field}.args`, 'an array', args);
  if (kwargs !== undefined && !isRecord(kwargs)) invalid(`${field}.kwargs`, 'an object', kwargs);
  if (options !== undefined && !isRecord(options)) invalid(`${field}.options`, 'an object', options);
  if (subtaskType !== undefined && subtaskType !== null && typeof subtaskType !== 'string') {
    invalid(`${field}.subtask_type`, 'a string or null', subtaskType);
  }
  if (immutable !== undefined && typeof immutable !== 'boolean') invalid(`${field}.immutable`, 'a boolean', immutable);
  if (args && kwargs && options && subtaskType !== undefined && immutable !== undefined) return value as unknown as SignatureData;
  return {
    ...value,
    task: value['task'],
    args: args ?? [],
    kwargs: kwargs ?? {},
    options: options ?? {},
    subtask_type: (subtaskType ?? null) as SignatureData['subtask_type'],
    immutable: immutable ?? false,
  };
}

function signatureList(value: unknown, field: string): SignatureData[] | null {
  if (value === undefined || value === null) return null;
  if (!Array.isArray(value)) return invalid(field, 'a list of signatures or null', value);
  return value.map((item, i) => signatureData(item, `${field}[${i}]`));
}

/** The `embed` of a v2 body (`{}` and `null` are fine), or the v1 fields that play its part. */
export function readEmbed(value: unknown, field: string): Embed {
  if (value === undefined || value === null) return { callbacks: null, errbacks: null, chain: null, chord: null };
  if (!isRecord(value)) return invalid(field, 'an object or null', value);
  const chord = value['chord'];
  return {
    callbacks: signatureList(value['callbacks'], `${field}.callbacks`),
    errbacks: signatureList(value['errbacks'], `${field}.errbacks`),
    chain: signatureList(value['chain'], `${field}.chain`),
    chord: chord === undefined || chord === null ? null : signatureData(chord, `${field}.chord`),
  };
}

/** Rethrows a Celerity error as it is and anything else (e.g. from exotic getters) as an InvalidTaskError. */
export function rethrowInvalid(err: unknown): never {
  if (err instanceof CelerityError) throw err;
  throw new InvalidTaskError(`Invalid task message: ${(err as Error)?.message ?? String(err)}`, { cause: err });
}
