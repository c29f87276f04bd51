/**
 * AMQP field-table typing for values py-amqp reads correctly (spec §4.3). amqplib picks the
 * narrowest integer tag for a JS number (`b` for -128..127, `s` for int16); py-amqp reads `b` as
 * unsigned and `s` as a *short string*, so `timelimit: [300, 200]` kills a Python worker's
 * connection. Every integer is therefore written with an explicit tag, at any depth:
 *
 * | value | tag written |
 * |---|---|
 * | integer in [-2^31, 2^31) | `I` (signed 32) — what py-amqp writes |
 * | integer in [2^31, 2^63) | `l` (64 bit; py-amqp reads it unsigned, right for non-negative values) |
 * | other integers (below -2^31, or ≥ 2^63) | `d` (double): py-amqp would read a negative `l` as 2^64 − n |
 * | non-integer number, NaN, ±Infinity | `d` |
 * | bigint | as the integer rows above (`d` when out of range) |
 * | `Date` | `T` (timestamp, whole seconds) |
 * | `Uint8Array` | `x` (byte array) |
 * | `undefined` in an array | `V` (void), as `null` |
 *
 * Objects already typed amqplib's way (`{ '!': 'int', value }`) pass through unchanged, so callers
 * can force any other tag. amqplib cannot *decode* py-amqp's `L` (signed 64) at all; see the README.
 */

const INT32_MIN = -(2 ** 31);
const INT32_LIMIT = 2 ** 31;
const INT64_LIMIT = 2 ** 63;
const INT32_MIN_BIG = -(2n ** 31n);
const INT32_LIMIT_BIG = 2n ** 31n;
const INT64_LIMIT_BIG = 2n ** 63n;

/** A value typed the way amqplib's encoder understands (`{ '!': tag, value }`). */
export interface TypedFieldValue {
  '!': string;
  value: unknown;
}

function isTyped(value: object): value is TypedFieldValue {
  return Object.prototype.hasOwnProperty.call(value, '!');
}

function typedNumber(n: number): TypedFieldValue {
  if (Number.isInteger(n)) {
    if (n >= INT32_MIN && n < INT32_LIMIT) return { '!': 'int', value: n };
    if (n >= 0 && n < INT64_LIMIT) return { '!': 'long', value: n };
  }
  return { '!': 'double', value: n };
}

function typedBigInt(n: bigint): TypedFieldValue {
  if (n >= INT32_MIN_BIG && n < INT32_LIMIT_BIG) return { '!': 'int', value: Number(n) };
  if (n >= 0n && n < INT64_LIMIT_BIG) return { '!': 'long', value: n };
  return { '!': 'double', value: Number(n) };
}

/** Types one field value (see the module comment); tables and arrays are copied, never mutated. */
export function typeFieldValue(value: unknown): unknown {
  switch (typeof value) {
    case 'number':
      return typedNumber(value);
    case 'bigint':
      return typedBigInt(value);
    case 'string':
    case 'boolean':
      return value;
    case 'undefined':
      return null;
    case 'object': {
      if (value === null) return null;
      if (Array.isArray(value)) {
        const out = new Array<unknown>(value.length);
        for (let i = 0; i < value.length; i++) out[i] = typeFieldValue(value[i]);
        return out;
      }
      if (value instanceof Uint8Array) return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
      if (value instanceof Date) return { '!': 'timestamp', value: Math.floor(value.getTime() / 1000) };
      if (isTyped(value)) return value;
      return typeFieldTable(value as Record<string, unknown>);
    }
    default:
      // Functions and symbols have no AMQP representation; kombu would fail to encode them too.
      throw new TypeError(`Cannot put a ${typeof value} in an AMQP header table`);
  }
}

/**
 * Returns a copy of a header (or queue-argument) table with every value typed for py-amqp; keys
 * whose value is `undefined` are left out.
 * @example
 * typeFieldTable({ retries: 0, timelimit: [300, 200] });
 * // { retries: { '!': 'int', value: 0 }, timelimit: [{ '!': 'int', value: 300 }, { '!': 'int', value: 200 }] }
 */
export function typeFieldTable(table: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key in table) {
    if (!Object.prototype.hasOwnProperty.call(table, key)) continue;
    const value = table[key];
    if (value !== undefined) out[key] = typeFieldValue(value);
  }
  return out;
}
