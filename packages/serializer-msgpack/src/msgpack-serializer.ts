/**
 * The msgpack `Serializer`: what kombu registers as `msgpack` (`application/x-msgpack`, `binary`),
 * byte for byte — Python `packb(obj, use_bin_type=True)` / `unpackb(data, raw=False)`.
 */
import type { Serializer } from '@celerity/core';
import { MsgpackDecoder } from './decoder.js';
import { MsgpackEncoder } from './encoder.js';

/** Options of {@link createMsgpackSerializer}. */
export interface MsgpackSerializerOptions {
  /**
   * How a `Date` is written. Python's msgpack has no date type (kombu's `packb` raises on a
   * datetime), and the msgpack timestamp ext would reach a Python task as an opaque
   * `msgpack.Timestamp`, so it is never used. `'iso'` writes the string Celery writes for its own
   * dates, `2026-11-23T18:46:42.215000+00:00` (UTC, six fraction digits); `'error'` throws an
   * `EncodeError` instead. Decoding never turns strings back into dates.
   * @default 'iso'
   */
  dates?: 'iso' | 'error';
}

/**
 * Creates the msgpack serializer. Values map to Python as:
 *
 * | JS | msgpack | Python |
 * |---|---|---|
 * | `null`, `undefined` (in arrays, top level) | nil | `None` |
 * | `undefined` as an object/Map value | left out, as JSON.stringify does | — |
 * | `boolean` | bool | `bool` |
 * | integral `number`, `bigint` | smallest int format (up to int64/uint64) | `int` |
 * | other `number` (incl. NaN, ±Infinity) | float64 (never float32) | `float` |
 * | `string` | str (lone surrogates become U+FFFD) | `str` |
 * | `Uint8Array` / `Buffer` | bin | `bytes` |
 * | array | array | `list` |
 * | plain object, class instance, `Map` with string keys | map | `dict` |
 * | `Date` | ISO string (see {@link MsgpackSerializerOptions.dates}) | `str` |
 * | object with `toJSON()` | whatever `toJSON()` returns | |
 *
 * Everything else throws `EncodeError`: a bigint beyond int64/uint64, a `Map` key that is not a
 * string (Python's `strict_map_key` would refuse it), symbols, functions, `Set`, `RegExp`, `Error`,
 * typed arrays other than `Uint8Array`, more than 1024 nested containers (or a cycle).
 * An integral `number` beyond 64 bits goes as float64; `-0` goes as int 0.
 *
 * Decoding gives `number` for ints within ±(2^53 − 1) and `bigint` beyond (never a rounded
 * number), `Uint8Array` copies for bin, plain objects for maps (bin keys become their UTF-8 text),
 * and a `Date` for the msgpack timestamp ext written by other JS libraries. Malformed input —
 * truncated, extra bytes, invalid UTF-8, int/nil/array keys, other ext types, more than 1024 nested
 * containers — throws `DecodeError`, where Python's `unpackb` raises too.
 *
 * `encode` returns a view into a pooled 64 KiB slab (as Node pools small Buffers): use its
 * `byteOffset`/`byteLength`, not its whole `.buffer`.
 *
 * @example
 * import { createSerializerRegistry } from '@celerity/core';
 * import { createMsgpackSerializer } from '@celerity/serializer-msgpack';
 *
 * const msgpack = createMsgpackSerializer({ dates: 'error' });
 * const registry = createSerializerRegistry([msgpack], { accept: ['msgpack'] });
 * const body = msgpack.encode([[2], { y: 3 }, { callbacks: null, errbacks: null, chain: null, chord: null }]);
 * registry.decode('application/x-msgpack', body); // → the same array
 */
export function createMsgpackSerializer(options: MsgpackSerializerOptions = {}): Serializer {
  const encoder = new MsgpackEncoder(options.dates ?? 'iso');
  const decoder = new MsgpackDecoder();
  return {
    name: 'msgpack',
    contentType: 'application/x-msgpack',
    contentEncoding: 'binary',
    encode: (value) => encoder.encode(value),
    decode: (bytes) => decoder.decode(bytes),
  };
}

/** A shared {@link createMsgpackSerializer} with default options. */
export const msgpackSerializer: Serializer = createMsgpackSerializer();
