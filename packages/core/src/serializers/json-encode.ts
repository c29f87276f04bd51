/**
 * Value → JSON text as Python reads it, always pure ASCII (Python's `ensure_ascii`): `bigint` as
 * exact digits, `NaN` / `Infinity` as bare tokens, `Date` and bytes per mode.
 *
 * Fast path: a cheap type walk that stops at the first special value; when there is none (the
 * common case) native `JSON.stringify` produces the text and only non-ASCII characters are escaped
 * afterwards. Otherwise the value is written by the walker below, which mirrors `JSON.stringify`
 * for everything ordinary (key order, `toJSON`, `undefined` dropped from objects / `null` in arrays).
 */
import { CelerityError, EncodeError } from '../errors.js';
import { formatCeleryDate } from '../protocol/dates.js';

/** How values JSON has no type for are written. */
export type JsonEncodeMode = 'legacy' | 'tagged';

/** Past this depth the fast check gives up and lets the walker (which detects cycles) decide. */
const FAST_CHECK_MAX_DEPTH = 64;

const NON_ASCII = /[^\x00-\x7f]/;
const NON_ASCII_ALL = /[\u0080-\uffff]/g;

const escapeChar = (ch: string): string => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** Escapes every non-ASCII UTF-16 unit of JSON text as `\uXXXX` (astral chars become surrogate pairs, like Python). */
export function asciiOnly(json: string): string {
  return NON_ASCII.test(json) ? json.replace(NON_ASCII_ALL, escapeChar) : json;
}

function isBinary(value: object): value is Uint8Array | ArrayBuffer | DataView {
  return value instanceof Uint8Array || value instanceof ArrayBuffer || value instanceof DataView;
}

/** True when `JSON.stringify` alone would get `value` wrong (or cannot be trusted to finish). */
function needsWalk(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'number':
      return !Number.isFinite(value);
    case 'bigint':
      return true;
    case 'object': {
      if (value === null) return false;
      if (depth > FAST_CHECK_MAX_DEPTH) return true;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) if (needsWalk(value[i], depth + 1)) return true;
        return false;
      }
      if (
        typeof (value as { toJSON?: unknown }).toJSON === 'function' ||
        value instanceof Map ||
        value instanceof Set ||
        ArrayBuffer.isView(value) ||
        value instanceof ArrayBuffer
      ) {
        return true;
      }
      const obj = value as Record<string, unknown>;
      for (const key in obj) if (needsWalk(obj[key], depth + 1)) return true;
      return false;
    }
    default:
      return false;
  }
}

/** Encodes bytes as base64 (standard alphabet, padded), as kombu's `base64` tag and Python's b64encode do. */
export function encodeBase64(bytes: Uint8Array | ArrayBuffer | DataView): string {
  const view = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength).toString('base64');
}

const isSkipped = (v: unknown): boolean => v === undefined || typeof v === 'function' || typeof v === 'symbol';

class JsonWriter {
  private readonly active = new Set<object>();
  constructor(private readonly mode: JsonEncodeMode) {}

  write(value: unknown, key: string): string {
    switch (typeof value) {
      case 'string':
        return asciiOnly(JSON.stringify(value));
      case 'number':
        if (Number.isFinite(value)) return JSON.stringify(value);
        return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
      case 'bigint':
        return value.toString();
      case 'boolean':
        return value ? 'true' : 'false';
      case 'object':
        return value === null ? 'null' : this.object(value, key);
      default:
        // undefined, functions and symbols at the top level or in arrays: JSON.stringify writes null.
        return 'null';
    }
  }

  private object(value: object, key: string): string {
    if (value instanceof Date) {
      const text = JSON.stringify(formatCeleryDate(value));
      return this.mode === 'tagged' ? `{"__type__":"datetime","__value__":${text}}` : text;
    }
    if (isBinary(value)) {
      if (this.mode === 'legacy') {
        throw new EncodeError(
          "Binary data cannot be sent as JSON to Celery 5.2 (kombu < 5.3); use the 'tagged' JSON mode or msgpack",
        );
      }
      return `{"__type__":"base64","__value__":"${encodeBase64(value)}"}`;
    }
    if (value instanceof Number || value instanceof String || value instanceof Boolean || value instanceof BigInt) {
      return this.write(value.valueOf(), key);
    }
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') return this.write(toJSON.call(value, key), key);
    if (this.active.has(value)) throw new EncodeError('Cannot encode a circular structure as JSON');
    this.active.add(value);
    try {
      if (Array.isArray(value) || value instanceof Set || ArrayBuffer.isView(value)) {
        const items = Array.isArray(value) ? value : Array.from(value as Iterable<unknown>);
        const parts: string[] = new Array<string>(items.length);
        for (let i = 0; i < items.length; i++) parts[i] = this.write(items[i], String(i));
        return `[${parts.join(',')}]`;
      }
      const parts: string[] = [];
      if (value instanceof Map) {
        for (const [k, v] of value) {
          if (!isSkipped(v)) parts.push(`${this.key(mapKey(k))}:${this.write(v, mapKey(k))}`);
        }
      } else {
        const obj = value as Record<string, unknown>;
        for (const k of Object.keys(obj)) {
          const v = obj[k];
          if (!isSkipped(v)) parts.push(`${this.key(k)}:${this.write(v, k)}`);
        }
      }
      return `{${parts.join(',')}}`;
    } finally {
      this.active.delete(value);
    }
  }

  private key(k: string): string {
    return asciiOnly(JSON.stringify(k));
  }
}

/** Map keys become object keys the way Python's json writes dict keys (`1` → `"1"`, `true` → `"true"`). */
function mapKey(k: unknown): string {
  if (typeof k === 'string') return k;
  if (typeof k === 'number' || typeof k === 'bigint') return String(k);
  if (typeof k === 'boolean' || k === null) return String(k);
  throw new EncodeError(`Map keys must be strings, numbers, booleans or null to be encoded as JSON, got ${typeof k}`);
}

/**
 * Encodes a value as pure-ASCII JSON text that Python's `json.loads` (and kombu's) reads back.
 * @throws EncodeError for values the mode cannot carry (bytes in legacy mode, invalid Dates, cycles).
 */
export function stringifyJsonText(value: unknown, mode: JsonEncodeMode): string {
  try {
    if (!needsWalk(value, 0)) return asciiOnly(JSON.stringify(value) ?? 'null');
    return new JsonWriter(mode).write(value, '');
  } catch (err) {
    if (err instanceof CelerityError) throw err;
    throw new EncodeError(`Cannot encode value as JSON: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  }
}
