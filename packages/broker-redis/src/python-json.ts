/**
 * JSON text exactly as Python's `json.dumps(value)` with its defaults writes it (what kombu puts in
 * Redis): `", "` and `": "` separators, `ensure_ascii` (every code unit outside printable ASCII as a
 * lowercase `\uXXXX`, astral characters as surrogate pairs), bare `NaN` / `Infinity`, floats in
 * Python's `repr` form. Key order is the object's own order.
 */
import { EncodeError } from '@celerity/core';

// JSON.stringify already escapes `"`, `\`, control characters and lone surrogates the way Python does
// (short forms for \b \f \n \r \t, lowercase \u00XX otherwise); only DEL and non-ASCII remain.
const NEEDS_ASCII_ESCAPE = /[\u007f-\uffff]/;
const NEEDS_ASCII_ESCAPE_ALL = /[\u007f-\uffff]/g;

function escapeCodeUnit(ch: string): string {
  return `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

// Printable ASCII except `"` and `\`: written as-is (the common case; skips JSON.stringify).
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** A string as a Python `ensure_ascii` JSON string literal. */
export function pythonJsonString(value: string): string {
  if (PLAIN.test(value)) return `"${value}"`;
  const text = JSON.stringify(value);
  return NEEDS_ASCII_ESCAPE.test(text) ? text.replace(NEEDS_ASCII_ESCAPE_ALL, escapeCodeUnit) : text;
}

/**
 * A number as Python writes it. JS numbers cannot tell `1` from `1.0`, so integral values are written
 * as integers (Python ints); other values follow `float.__repr__`: the shortest round-trip digits
 * (identical in both languages), exponent form below 1e-4 as `1e-05`.
 */
export function pythonJsonNumber(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  if (Number.isInteger(value)) {
    if (Object.is(value, -0)) return '0';
    return Math.abs(value) < 1e21 ? String(value) : BigInt(value).toString();
  }
  if (Math.abs(value) >= 1e-4) return String(value);
  const [mantissa, exponent = '0'] = value.toExponential().split('e');
  const sign = exponent.startsWith('-') ? '-' : '+';
  const digits = exponent.replace(/^[+-]/, '').padStart(2, '0');
  return `${mantissa}e${sign}${digits}`;
}

// Header names repeat in every message; their encoded form (`"name": `) is cached.
const keyCache = new Map<string, string>();
function encodeKey(key: string): string {
  let encoded = keyCache.get(key);
  if (encoded === undefined) {
    encoded = `${pythonJsonString(key)}: `;
    if (keyCache.size < 4096) keyCache.set(key, encoded);
  }
  return encoded;
}

function encodeValue(value: unknown, seen: Set<object>): string | undefined {
  switch (typeof value) {
    case 'string':
      return pythonJsonString(value);
    case 'number':
      return pythonJsonNumber(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    default:
      break;
  }
  if (value === null) return 'null';
  const object = value as object;
  if (ArrayBuffer.isView(object) || object instanceof ArrayBuffer || object instanceof Map || object instanceof Set) {
    throw new EncodeError(`Object of type ${object.constructor.name} is not JSON serializable`);
  }
  const toJSON = (object as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return encodeValue(toJSON.call(object), seen);
  if (seen.has(object)) throw new EncodeError('Circular reference detected');
  seen.add(object);
  try {
    if (Array.isArray(object)) {
      if (object.length === 0) return '[]';
      let out = '[';
      for (let i = 0; i < object.length; i++) {
        if (i > 0) out += ', ';
        out += encodeValue(object[i], seen) ?? 'null';
      }
      return `${out}]`;
    }
    let out = '{';
    let first = true;
    for (const key of Object.keys(object)) {
      const encoded = encodeValue((object as Record<string, unknown>)[key], seen);
      if (encoded === undefined) continue;
      out += `${first ? '' : ', '}${encodeKey(key)}${encoded}`;
      first = false;
    }
    return `${out}}`;
  } finally {
    seen.delete(object);
  }
}

/**
 * Serializes a JSON-compatible value the way Python's `json.dumps` does with default arguments.
 * `undefined`, functions and symbols are skipped in objects and become `null` in arrays (as
 * `JSON.stringify` does); `toJSON()` is honoured; bigints are written as integers.
 * @throws EncodeError for binary data, `Map`/`Set` and circular structures.
 * @example
 * encodePythonJson({ a: 'é', b: [1, 0.5] }); // '{"a": "\\u00e9", "b": [1, 0.5]}'
 */
export function encodePythonJson(value: unknown): string {
  return encodeValue(value, new Set()) ?? 'null';
}
