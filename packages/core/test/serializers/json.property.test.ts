import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CelerityError } from '@celerity/core';
import { createJsonSerializer, jsonSerializer, parseCeleryJson, stringifyCeleryJson } from '../../src/serializers/json.js';

const tagged = createJsonSerializer({ mode: 'tagged' });
const anyString = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) });
const noNegZero = (d: number): number => (Object.is(d, -0) ? 0 : d);

const isAscii = (bytes: Uint8Array): boolean => bytes.every((b) => b < 0x80);

describe('JSON serializer properties', () => {
  it('any string (lone surrogates included) round-trips and encodes to pure ASCII', () => {
    fc.assert(
      fc.property(anyString, fc.string({ unit: 'grapheme' }), (a, b) => {
        const bytes = jsonSerializer.encode({ [a]: b, b: a });
        expect(isAscii(bytes)).toBe(true);
        expect(jsonSerializer.decode(bytes)).toEqual({ [a]: b, b: a });
      }),
    );
  });

  it('doubles incl. NaN and ±Infinity round-trip through Python tokens', () => {
    fc.assert(
      fc.property(fc.array(fc.double().map(noNegZero)), (values) => {
        const decoded = jsonSerializer.decode(jsonSerializer.encode(values)) as unknown[];
        decoded.forEach((d, i) => {
          const v = values[i]!;
          // Integral doubles past 2^53 come back exact, as the bigint of their shortest literal.
          const expected = Number.isInteger(v) && !Number.isSafeInteger(v) && Math.abs(v) < 1e21 ? BigInt(String(v)) : v;
          expect(d).toEqual(expected);
        });
      }),
    );
  });

  it('bigints round-trip exactly (safe-range ones as numbers)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 128n), max: 2n ** 128n }), (b) => {
        const back = jsonSerializer.decode(jsonSerializer.encode({ b }));
        const safe = b <= BigInt(Number.MAX_SAFE_INTEGER) && b >= BigInt(Number.MIN_SAFE_INTEGER);
        expect(back).toEqual({ b: safe ? Number(b) : b });
      }),
    );
  });

  it('ordinary JSON: the fast path, the slow path and JSON.parse agree', () => {
    fc.assert(
      fc.property(fc.jsonValue({ noUnicodeString: false, maxDepth: 4 }), (value) => {
        const text = stringifyCeleryJson(value);
        const fast = parseCeleryJson(text);
        const slow = (parseCeleryJson(`[NaN, ${text}]`) as unknown[])[1];
        const reference = JSON.parse(JSON.stringify(value)) as unknown;
        // Only integer literals past 2^53 differ from JSON.parse, which rounds them.
        const rounded = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? Number(x) : x)));
        expect(rounded(fast)).toEqual(reference);
        expect(slow).toEqual(fast);
      }),
    );
  });

  it('tagged mode round-trips Date (ms precision) and bytes', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date(Date.UTC(1, 0, 1)), max: new Date(Date.UTC(9999, 11, 31)), noInvalidDate: true }),
        fc.uint8Array(),
        (date, bytes) => {
          const encoded = tagged.encode({ date, bytes });
          expect(isAscii(encoded)).toBe(true);
          expect(tagged.decode(encoded)).toEqual({ date, bytes });
        },
      ),
    );
  });

  it('decoding arbitrary bytes either succeeds or throws a CelerityError', () => {
    const jsonish = fc.stringMatching(/^[[\]{}",:0-9.eE+\-NaInfitylsru \\]{0,40}$/);
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), jsonish.map((s) => new TextEncoder().encode(s))), (bytes) => {
        try {
          jsonSerializer.decode(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(CelerityError);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('encoding arbitrary values either succeeds with ASCII or throws a CelerityError', () => {
    fc.assert(
      fc.property(fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true, withNullPrototype: true }), (value) => {
        try {
          expect(isAscii(tagged.encode(value))).toBe(true);
        } catch (err) {
          expect(err).toBeInstanceOf(CelerityError);
        }
      }),
    );
  });
});
