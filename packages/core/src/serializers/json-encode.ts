/**
 * Value → JSON text as Python's `json.dumps` writes it with `ensure_ascii` (its default, and what
 * kombu and Celery use): every code unit outside printable ASCII — DEL (`\u007f`) included — as a
 * lowercase `\uXXXX` (astral characters as surrogate pairs), `bigint` as exact digits, `NaN` /
 * `Infinity` as bare tokens, floats in Python's `repr` form (`1e-05`), `Date` and bytes per mode.
 * This is the one JSON writer of Celerity: the JSON serializer, the Redis broker's kombu envelope
 * and the Redis result backend's stored values all go through it.
 *
 * Separators: `compact` (`,` / `:`, message bodies: Python reads them all the same) or `python`
 * (`", "` / `": "`, `json.dumps`' defaults, for text that must be byte for byte what kombu or
 * Celery would have written).
 *
 * Compact fast path: a cheap type walk that stops at the first value `JSON.stringify` would write
 * differently; when there is none (the common case) native `JSON.stringify` produces the text and
 * only DEL and non-ASCII characters are escaped afterwards. Otherwise (and always with Python's
 * separators) the walker below writes it, mirroring `JSON.stringify` for everything ordinary (key
 * order, `toJSON`, `undefined` dropped from objects / `null` in arrays).
 */
import { CelerityError, EncodeError } from '../errors.js';
import { formatCeleryDate } from '../protocol/dates.js';

/** How values JSON has no type for are written. */
export type JsonEncodeMode = 'legacy' | 'tagged';

/** `compact` = `,` and `:`; `python` = `json.dumps`' `", "` and `": "`. */
export type JsonSeparators = 'compact' | 'python';

/** Past this depth the fast check gives up and lets the walker (which detects cycles) decide. */
const FAST_CHECK_MAX_DEPTH = 64;

// Python's ESCAPE_ASCII escapes everything outside ' '..'~'. JSON.stringify already escapes `"`, `\`,
// control characters and lone surrogates exactly as Python does (\b \f \n \r \t, lowercase \u00XX
// otherwise); DEL and non-ASCII are left, and escaped here.
const NEEDS_ESCAPE_ALL = /[\u007f-\uffff]/g;
// Printable ASCII except `"` and `\`: a string written as-is between quotes.
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

const escapeChar = (ch: string): string => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * Whether the text is ASCII without DEL. UTF-8 writes every other code unit (a lone surrogate too)
 * in more than one byte, so equal lengths mean ASCII; both calls are native passes, several times
 * faster than a character-class pattern over a message body.
 */
function plainAscii(json: string): boolean {
  return Buffer.byteLength(json, 'utf8') === json.length && !json.includes('\x7f');
}

/** Escapes DEL and every non-ASCII UTF-16 unit of JSON text as `\uXXXX` (astral chars become surrogate pairs, like Python). */
export function asciiOnly(json: string): string {
  return plainAscii(json) ? json : json.replace(NEEDS_ESCAPE_ALL, escapeChar);
}

/**
 * A string as Python's `json.dumps` writes it (`ensure_ascii`).
 * @example
 * pythonJsonString('é\u007f'); // '"\\u00e9\\u007f"'
 */
export function pythonJsonString(value: string): string {
  return PLAIN.test(value) ? `"${value}"` : asciiOnly(JSON.stringify(value));
}

/**
 * A number as Python writes it. JS numbers cannot tell `1` from `1.0`, so integral values below
 * 1e21 are written as integers (Python ints); other values follow `float.__repr__`: the shortest
 * round-trip digits (identical in both languages), exponent form from 1e21 up (`1e+21`, as JS
 * writes it too) and below 1e-4 (`1e-05`, where JS would write `0.00001` or `1e-7`).
 * @example
 * pythonJsonNumber(0.00001); // '1e-05'
 */
export function pythonJsonNumber(value: number): string {
  if (nativeNumberIsPython(value)) return Object.is(value, -0) ? '0' : String(value);
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  const [mantissa, exponent = '0'] = value.toExponential().split('e');
  const sign = exponent.startsWith('-') ? '-' : '+';
  const digits = exponent.replace(/^[+-]/, '').padStart(2, '0');
  return `${mantissa}e${sign}${digits}`;
}

/** Whether `JSON.stringify` writes `n` as Python does: finite, and integral or at least 1e-4 in size. */
function nativeNumberIsPython(n: number): boolean {
  return Number.isInteger(n) || (Number.isFinite(n) && Math.abs(n) >= 1e-4);
}

function isBinary(value: object): value is Uint8Array | ArrayBuffer | DataView {
  return value instanceof Uint8Array || value instanceof ArrayBuffer || value instanceof DataView;
}

/** True when `JSON.stringify` alone would get `value` wrong (or cannot be trusted to finish). */
function needsWalk(value: unknown, depth: number): boolean {
  switch (typeof value) {
    case 'number':
      return !nativeNumberIsPython(value);
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

/** One separator style: the item separator, and object keys already written with their colon. */
interface Style {
  readonly comma: string;
  readonly colon: string;
  /** Keys repeat in every message (header names, meta fields); their written form is cached. */
  readonly keys: Map<string, string>;
}

const STYLES: Readonly<Record<JsonSeparators, Style>> = {
  compact: { comma: ',', colon: ':', keys: new Map() },
  python: { comma: ', ', colon: ': ', keys: new Map() },
};
const KEY_CACHE_LIMIT = 4096;

function writeKey(key: string, style: Style): string {
  let written = style.keys.get(key);
  if (written === undefined) {
    written = `${pythonJsonString(key)}${style.colon}`;
    if (style.keys.size < KEY_CACHE_LIMIT) style.keys.set(key, written);
  }
  return written;
}

/** Map keys become object keys the way Python's json writes dict keys (`1` → `"1"`, `true` → `"true"`). */
function mapKey(k: unknown): string {
  if (typeof k === 'string') return k;
  if (typeof k === 'number' || typeof k === 'bigint') return String(k);
  if (typeof k === 'boolean' || k === null) return String(k);
  throw new EncodeError(`Map keys must be strings, numbers, booleans or null to be encoded as JSON, got ${typeof k}`);
}

/**
 * A string, number, bigint, boolean or null as Python writes it; `undefined` for anything else.
 * @example
 * pythonJsonScalar(1e-5); // '1e-05'
 */
export function pythonJsonScalar(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
      return pythonJsonString(value);
    case 'number':
      return pythonJsonNumber(value);
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'true' : 'false';
    default:
      return value === null ? 'null' : undefined;
  }
}

// Plain functions with the walk's state as arguments: a call allocates nothing beyond its output and
// the set of objects being written (cycle detection). `key` is what `toJSON(key)` receives: an array
// index stays a number until a `toJSON` asks for it.
function write(value: unknown, key: string | number, active: Set<object>, mode: JsonEncodeMode, style: Style): string {
  if (typeof value === 'object' && value !== null) return writeObject(value, key, active, mode, style);
  // undefined, functions and symbols at the top level or in arrays: JSON.stringify writes null.
  return pythonJsonScalar(value) ?? 'null';
}

function writeTagged(type: string, text: string, style: Style): string {
  return `{"__type__"${style.colon}"${type}"${style.comma}"__value__"${style.colon}${text}}`;
}

function writeObject(value: object, key: string | number, active: Set<object>, mode: JsonEncodeMode, style: Style): string {
  // Plain objects and arrays (nearly everything) skip the checks for the types JSON has no form for.
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== Array.prototype && proto !== null) {
    if (value instanceof Date) {
      const text = pythonJsonString(formatCeleryDate(value));
      return mode === 'tagged' ? writeTagged('datetime', text, style) : text;
    }
    if (isBinary(value)) {
      if (mode === 'legacy') {
        throw new EncodeError("Binary data cannot be sent as JSON to Celery 5.2 (kombu < 5.3); use the 'tagged' JSON mode or msgpack");
      }
      return writeTagged('base64', `"${encodeBase64(value)}"`, style);
    }
    if (value instanceof Number || value instanceof String || value instanceof Boolean || value instanceof BigInt) {
      return write(value.valueOf(), key, active, mode, style);
    }
  }
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return write(toJSON.call(value, String(key)), key, active, mode, style);
  if (active.has(value)) throw new EncodeError('Cannot encode a circular structure as JSON');
  active.add(value);
  try {
    if (Array.isArray(value)) return writeItems(value, active, mode, style);
    if (value instanceof Set || ArrayBuffer.isView(value)) return writeItems(Array.from(value as Iterable<unknown>), active, mode, style);
    if (value instanceof Map) return writeEntries(value, active, mode, style);
    let out = '{';
    let first = true;
    const obj = value as Record<string, unknown>;
    for (const k of Object.keys(obj)) {
      const v = obj[k];
      if (isSkipped(v)) continue;
      // Strings and nulls (most header values) are written here: one call fewer each on the hot path.
      const text = typeof v === 'string' ? pythonJsonString(v) : v === null ? 'null' : write(v, k, active, mode, style);
      out += `${first ? '' : style.comma}${writeKey(k, style)}${text}`;
      first = false;
    }
    return `${out}}`;
  } finally {
    active.delete(value);
  }
}

function writeItems(items: readonly unknown[], active: Set<object>, mode: JsonEncodeMode, style: Style): string {
  if (items.length === 0) return '[]';
  let out = '[';
  for (let i = 0; i < items.length; i++) {
    if (i > 0) out += style.comma;
    const item = items[i];
    out += typeof item === 'string' ? pythonJsonString(item) : item === null ? 'null' : write(item, i, active, mode, style);
  }
  return `${out}]`;
}

function writeEntries(map: Map<unknown, unknown>, active: Set<object>, mode: JsonEncodeMode, style: Style): string {
  let out = '{';
  let first = true;
  for (const [k, v] of map) {
    if (isSkipped(v)) continue;
    const name = mapKey(k);
    out += `${first ? '' : style.comma}${writeKey(name, style)}${write(v, name, active, mode, style)}`;
    first = false;
  }
  return `${out}}`;
}

/**
 * Encodes a value as pure-ASCII JSON text that Python's `json.loads` (and kombu's) reads back.
 * @throws EncodeError for values the mode cannot carry (bytes in legacy mode, invalid Dates, cycles).
 */
export function stringifyJsonText(value: unknown, mode: JsonEncodeMode, separators: JsonSeparators = 'compact'): string {
  try {
    if (separators === 'compact' && !needsWalk(value, 0)) return asciiOnly(JSON.stringify(value) ?? 'null');
    return write(value, '', new Set(), mode, STYLES[separators]);
  } catch (err) {
    if (err instanceof CelerityError) throw err;
    throw new EncodeError(`Cannot encode value as JSON: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  }
}

/**
 * Text exactly as Python's `json.dumps(value)` writes it with its defaults (`", "` / `": "`
 * separators, `ensure_ascii`): what kombu and Celery put in Redis.
 * @throws EncodeError as {@link stringifyJsonText}.
 * @example
 * stringifyPythonJson({ a: 'é', b: [1, 0.00001] }); // '{"a": "\\u00e9", "b": [1, 1e-05]}'
 */
export function stringifyPythonJson(value: unknown, mode: JsonEncodeMode = 'legacy'): string {
  return stringifyJsonText(value, mode, 'python');
}
