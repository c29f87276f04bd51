/**
 * The JSON serializer (`application/json`, `utf-8`) with kombu's conventions: pure-ASCII output,
 * Python's `NaN` / `Infinity` tokens, exact big integers, and kombu ≥ 5.3 `__type__` tagging.
 */
import { isAscii } from 'node:buffer';
import { CelerityError, DecodeError } from '../errors.js';
import type { Serializer } from '../serializer.js';
import { stringifyJsonText, type JsonEncodeMode, type JsonSeparators } from './json-encode.js';
import { DEFAULT_JSON_MAX_DEPTH, parseJsonText } from './json-parse.js';
import { reviveTagged, type UnknownTypePolicy } from './json-tags.js';

/** Options of {@link createJsonSerializer}. */
export interface JsonSerializerOptions {
  /**
   * How non-JSON values (Date, Uint8Array) are written: `legacy` = kombu ≤ 5.2 plain strings
   * (readable by every Celery 5.x; a `Date` becomes `"…+00:00"`, bytes throw `EncodeError`),
   * `tagged` = kombu ≥ 5.3 `{"__type__", "__value__"}` objects (a `Date` becomes a tagged
   * `datetime`, bytes a tagged `base64`). Decoding always understands both.
   * @default 'legacy'
   */
  mode?: JsonEncodeMode;
  /**
   * What goes between items and between a key and its value: `compact` (`,` / `:`, the smallest
   * bytes; Python reads them all the same) or `python` (`", "` / `": "`, Python's `json.dumps`
   * defaults, so the bytes are exactly what kombu / Celery write, e.g. for stored results).
   * @default 'compact'
   */
  separators?: JsonSeparators;
  /**
   * What decoding does with a tagged object whose `__type__` kombu does not define: keep the
   * object as it is (`passthrough`), or fail with `DecodeError` as kombu does (`error`).
   * @default 'passthrough'
   */
  unknownTypes?: UnknownTypePolicy;
  /**
   * Deepest nesting of arrays/objects accepted when decoding; deeper input is a `DecodeError`
   * (Python cannot produce more than ~1000 levels either).
   * @default 1000
   */
  maxDepth?: number;
}

/** Options of {@link parseCeleryJson}. */
export type ParseCeleryJsonOptions = Pick<JsonSerializerOptions, 'unknownTypes' | 'maxDepth'>;

const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * The bytes as text, strictly UTF-8. ASCII (what kombu and Celerity write) is checked and read as
 * latin1 by native code, several times faster than the validating UTF-8 decoder that reads the rest.
 */
function utf8Text(bytes: Uint8Array): string {
  try {
    if (isAscii(bytes)) return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
    return utf8Decoder.decode(bytes);
  } catch (err) {
    throw new DecodeError('JSON body must be valid UTF-8 bytes', { cause: err });
  }
}

/**
 * Parses JSON text as kombu does: Python's `NaN` / `Infinity` tokens, integers beyond 2^53 as
 * `bigint` (smaller ones stay `number`), and tagged values revived (`datetime` → `Date` with naive
 * = UTC, `date` / `time` / `decimal` → string, `uuid` → dashed lowercase string, `bytes` /
 * `base64` → `Uint8Array`). Useful for whole Redis envelopes and result records.
 * @throws DecodeError for anything malformed, and never any other error.
 * @example
 * parseCeleryJson('[NaN, 9007199254740993]'); // [NaN, 9007199254740993n]
 */
export function parseCeleryJson(text: string, options: ParseCeleryJsonOptions = {}): unknown {
  try {
    const value = parseJsonText(text, options.maxDepth ?? DEFAULT_JSON_MAX_DEPTH);
    // kombu writes keys unescaped (ensure_ascii only escapes non-ASCII), so a plain substring test
    // is enough to skip the revive walk for the untagged majority of messages.
    if (typeof value !== 'object' || value === null || !text.includes('__type__')) return value;
    return reviveTagged(value, options.unknownTypes ?? 'passthrough');
  } catch (err) {
    if (err instanceof CelerityError) throw err;
    // e.g. a stack overflow while reviving pathological input: still a decode failure.
    throw new DecodeError(`Cannot decode JSON: ${(err as Error)?.message ?? String(err)}`, { cause: err });
  }
}

/**
 * Encodes a value as pure-ASCII JSON text Python reads back (`\uXXXX` escapes like `ensure_ascii`,
 * DEL included, `bigint` as exact digits, `NaN` / `Infinity` as bare tokens, other numbers in
 * Python's `repr` form, `Date` / bytes per `mode`, separators per `separators`).
 * `Map` is written as an object (keys stringified as Python writes dict keys), `Set` and typed
 * arrays other than `Uint8Array` as arrays; everything else as `JSON.stringify` would.
 * @throws EncodeError for values the mode cannot carry (bytes in legacy mode, invalid Dates, cycles).
 * @example
 * stringifyCeleryJson({ n: 2n ** 64n, s: 'é' }); // '{"n":18446744073709551616,"s":"\\u00e9"}'
 */
export function stringifyCeleryJson(value: unknown, options: Pick<JsonSerializerOptions, 'mode' | 'separators'> = {}): string {
  return stringifyJsonText(value, options.mode ?? 'legacy', options.separators ?? 'compact');
}

/**
 * Creates a JSON serializer compatible with kombu's `json` (5.2 through 5.6).
 * @example
 * const json = createJsonSerializer({ mode: 'tagged' }); // for Celery workers with kombu ≥ 5.3
 * json.encode([[new Date()], {}, null]);
 */
export function createJsonSerializer(options: JsonSerializerOptions = {}): Serializer {
  const mode = options.mode ?? 'legacy';
  const separators = options.separators ?? 'compact';
  const parseOptions: ParseCeleryJsonOptions = {
    unknownTypes: options.unknownTypes ?? 'passthrough',
    maxDepth: options.maxDepth ?? DEFAULT_JSON_MAX_DEPTH,
  };
  return {
    name: 'json',
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    encode(value: unknown): Uint8Array {
      // The text is pure ASCII, so its latin1 bytes are its UTF-8 bytes, and Node's latin1 writer is
      // several times faster than `TextEncoder` on message-sized strings. A small result is a slice
      // of Node's shared pool (as msgpack's `encode` returns a slice of its slab): an `ArrayBuffer` of
      // its own per message cost the bulk enqueue bench 7.6–8.1 µs of client CPU per task, against
      // 6.3–6.8 µs pooled.
      return Buffer.from(stringifyJsonText(value, mode, separators), 'latin1');
    },
    decode(bytes: Uint8Array): unknown {
      return parseCeleryJson(utf8Text(bytes), parseOptions);
    },
  };
}

/** The default JSON serializer: legacy mode (plain strings, readable by every Celery 5.x). */
export const jsonSerializer: Serializer = createJsonSerializer();
