/** Properties over generated values and bytes, with msgpackr as an independent second implementation. */
import { DecodeError } from '@celerity/core';
import fc from 'fast-check';
import { Packr, Unpackr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { createMsgpackSerializer } from '../src/index.js';
import { expectSame, expectedRoundTrip, plainValue, value } from './arbitraries.js';

const serializer = createMsgpackSerializer();

/** Runs `decode`, turning the only allowed failure into a marker; anything else fails the property. */
function decodeOrError(bytes: Uint8Array): { ok: true; value: unknown } | { ok: false; error: DecodeError } {
  try {
    return { ok: true, value: serializer.decode(bytes) };
  } catch (error) {
    if (error instanceof DecodeError) return { ok: false, error };
    throw error;
  }
}

describe('round trip', () => {
  it('decode(encode(v)) gives v back (ints past 2^53 as bigint, -0 as 0)', () => {
    fc.assert(
      fc.property(value, (v) => {
        expectSame(serializer.decode(serializer.encode(v)), expectedRoundTrip(v));
      }),
      { numRuns: 1000 },
    );
  });

  it('re-encoding a decoded value gives the same bytes', () => {
    fc.assert(
      fc.property(value, (v) => {
        const bytes = Buffer.from(serializer.encode(v));
        expect(Buffer.from(serializer.encode(serializer.decode(bytes))).equals(bytes) || hasIntegerLikeKey(v)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});

/** JS objects list integer-like keys first, so such maps come back reordered (same dict, other bytes). */
function hasIntegerLikeKey(v: unknown): boolean {
  if (Array.isArray(v)) return v.some(hasIntegerLikeKey);
  if (v === null || typeof v !== 'object' || v instanceof Uint8Array) return false;
  return Object.entries(v).some(([k, item]) => /^(0|[1-9]\d*)$/.test(k) || hasIntegerLikeKey(item));
}

describe('malformed input', () => {
  it('random bytes decode to a value or throw DecodeError, nothing else', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        decodeOrError(bytes);
      }),
      { numRuns: 5000 },
    );
  });

  it('random bytes behind a container header decode or throw DecodeError', () => {
    const header = fc.constantFrom(0x81, 0x92, 0xdc, 0xde, 0xd9, 0xc4, 0xc7, 0xd6, 0xcf, 0xd3);
    fc.assert(
      fc.property(header, fc.uint8Array({ maxLength: 64 }), (h, rest) => {
        decodeOrError(Uint8Array.of(h, ...rest));
      }),
      { numRuns: 3000 },
    );
  });

  it('every strict prefix of a valid encoding is refused (msgpack is prefix-free)', () => {
    fc.assert(
      fc.property(value, fc.nat(), (v, cut) => {
        const bytes = serializer.encode(v);
        const prefix = bytes.subarray(0, cut % bytes.length);
        const result = decodeOrError(prefix);
        expect(result.ok).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  it('trailing bytes after a valid encoding are refused, as Python raises ExtraData', () => {
    fc.assert(
      fc.property(value, fc.uint8Array({ minLength: 1, maxLength: 8 }), (v, extra) => {
        const bytes = Uint8Array.of(...serializer.encode(v), ...extra);
        const result = decodeOrError(bytes);
        expect(result.ok).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it('flipping a byte of a valid encoding decodes or throws DecodeError', () => {
    fc.assert(
      fc.property(value, fc.nat(), fc.integer({ min: 1, max: 255 }), (v, at, xor) => {
        const bytes = Uint8Array.from(serializer.encode(v));
        bytes[at % bytes.length]! ^= xor;
        decodeOrError(bytes);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('against msgpackr, an independent implementation', () => {
  // 'auto' (numbers within ±2^53, bigint beyond) is in msgpackr's README but not in its typings.
  const referenceOptions: Record<string, unknown> = { useRecords: false, mapsAsObjects: true, int64AsType: 'auto' };
  const reference = new Unpackr(referenceOptions);
  // msgpackr's defaults for compatible output: map16 for every object, float64 for non-integers.
  const referencePackr = new Packr({ useRecords: false });

  it('msgpackr reads our bytes as the same value', () => {
    fc.assert(
      fc.property(plainValue, (v) => {
        const theirs: unknown = reference.unpack(serializer.encode(v) as Buffer);
        expectSame(toPlain(theirs), expectedRoundTrip(v));
      }),
      { numRuns: 500 },
    );
  });

  it("we read msgpackr's bytes (other header choices: map16 everywhere) as the same value", () => {
    fc.assert(
      fc.property(plainValue, (v) => {
        expectSame(serializer.decode(referencePackr.pack(v)), expectedRoundTrip(v));
      }),
      { numRuns: 500 },
    );
  });
});

/** msgpackr hands out Buffers for bin; compare as plain Uint8Arrays. */
function toPlain(v: unknown): unknown {
  if (v instanceof Uint8Array) return new Uint8Array(v);
  if (Array.isArray(v)) return v.map(toPlain);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, toPlain(item)]));
  return v;
}
