/** fast-check generators of values the serializer carries, and what decoding them must give back. */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { expect } from 'vitest';

const MIN_INT64 = -(2n ** 63n);
const MAX_UINT64 = 2n ** 64n - 1n;

/** Every int-format boundary of msgpack, and the float/bigint edges around ±2^53, 2^63, 2^64. */
const boundaryNumbers = [
  0, 1, 31, 32, 127, 128, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, 2 ** 53, 2 ** 63, 2 ** 64,
  -1, -32, -33, -128, -129, -32768, -32769, -(2 ** 31), -(2 ** 31) - 1, -(2 ** 53) + 1, -(2 ** 53), -(2 ** 63),
  -0, 0.5, -1.5, Number.MIN_VALUE, Number.MAX_VALUE, Number.EPSILON, NaN, Infinity, -Infinity, 1e21, -1e300,
];
const boundaryBigInts = [0n, 2n ** 32n - 1n, 2n ** 32n, 2n ** 53n + 1n, 2n ** 63n - 1n, 2n ** 63n, MAX_UINT64, -(2n ** 31n), -(2n ** 31n) - 1n, MIN_INT64];

const key = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 30 }),
  fc.constantFrom('__proto__', 'constructor', 'toString', 'hasOwnProperty', '1', '', 'callbacks', 'chain'),
);

const scalar = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.maxSafeInteger(),
  fc.double(),
  fc.constantFrom(...boundaryNumbers),
  fc.bigInt({ min: MIN_INT64, max: MAX_UINT64 }),
  fc.constantFrom(...boundaryBigInts),
  fc.string(),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'binary', minLength: 40, maxLength: 400 }),
  fc.uint8Array({ maxLength: 300 }),
);

/** Any value the serializer accepts and Python can read (no undefined, Dates, Maps: tested by hand). */
export const value: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown; array: unknown[]; record: Record<string, unknown> }>(
  (tie) => ({
    value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, scalar, tie('array'), tie('record')),
    array: fc.array(tie('value'), { maxLength: 6 }),
    record: fc.dictionary(key, tie('value'), { maxKeys: 6 }),
  }),
).value;

/** `value` restricted to what msgpackr reads the same way (no ints past ±2^53, no `__proto__` keys). */
export const plainValue: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown; array: unknown[]; record: Record<string, unknown> }>(
  (tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.oneof(
        fc.constant(null),
        fc.boolean(),
        fc.maxSafeInteger(),
        // msgpackr writes integers past 32 bits as float64, so integral doubles past 2^53 differ.
        fc.double().filter((d) => !Number.isInteger(d) || Number.isSafeInteger(d)),
      ),
      fc.oneof(fc.string(), fc.string({ unit: 'binary', maxLength: 300 }), fc.uint8Array({ maxLength: 300 })),
      tie('array'),
      tie('record'),
    ),
    array: fc.array(tie('value'), { maxLength: 6 }),
    record: fc.dictionary(fc.string({ unit: 'binary', maxLength: 20 }).filter((k) => k !== '__proto__'), tie('value'), {
      maxKeys: 6,
      noNullPrototype: true,
    }),
  }),
).value;

/**
 * What decoding the encoding of `v` must return: `-0` comes back as 0, integral numbers past ±2^53
 * (but within 64 bits) as bigint, bigints within ±(2^53 − 1) as numbers, objects as plain objects.
 */
export function expectedRoundTrip(v: unknown): unknown {
  if (typeof v === 'number') {
    if (Object.is(v, -0)) return 0;
    if (Number.isInteger(v) && !Number.isSafeInteger(v) && v >= -(2 ** 63) && v < 2 ** 64) return BigInt(v);
    return v;
  }
  if (typeof v === 'bigint') {
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }
  if (v instanceof Uint8Array) return new Uint8Array(v);
  if (Array.isArray(v)) return v.map((item: unknown) => (item === undefined ? null : expectedRoundTrip(item)));
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, item] of Object.entries(v)) {
      if (item === undefined) continue;
      Object.defineProperty(out, k, { value: expectedRoundTrip(item), writable: true, enumerable: true, configurable: true });
    }
    return out;
  }
  return v;
}

/**
 * Deep equality with prototypes, `Object.is` for numbers (so -0 ≠ 0) and exact typed-array types.
 * Not vitest's toStrictEqual, which compares `.constructor` and so trips on a `constructor` key.
 */
export function expectSame(actual: unknown, expected: unknown): void {
  if (isDeepStrictEqual(actual, expected)) return;
  expect(actual).toEqual(expected); // for the diff
  expect.fail('values are loosely equal but differ in type, prototype or -0');
}
