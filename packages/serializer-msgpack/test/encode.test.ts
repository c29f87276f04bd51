/** Encoding: Python's exact formats at every boundary, and what is refused. */
import { EncodeError } from '@celerity/core';
import { describe, expect, it } from 'vitest';
import { createMsgpackSerializer, msgpackSerializer } from '../src/index.js';
import { hex } from './fixtures.js';

const { encode, decode } = createMsgpackSerializer();
const enc = (v: unknown): string => hex(encode(v));
const encodeError = (v: unknown, pattern: RegExp): void => {
  expect(() => encode(v)).toThrow(EncodeError);
  expect(() => encode(v)).toThrow(pattern);
};

describe('integers: the smallest format, as Python packs an int', () => {
  it.each([
    [0, '00'], [127, '7f'], [128, 'cc80'], [255, 'ccff'], [256, 'cd0100'], [65535, 'cdffff'],
    [65536, 'ce00010000'], [2 ** 32 - 1, 'ceffffffff'], [2 ** 32, 'cf0000000100000000'],
    [2 ** 40, 'cf0000010000000000'], [2 ** 53 - 1, 'cf001fffffffffffff'], [2 ** 63, 'cf8000000000000000'],
    [-1, 'ff'], [-32, 'e0'], [-33, 'd0df'], [-128, 'd080'], [-129, 'd1ff7f'], [-32768, 'd18000'],
    [-32769, 'd2ffff7fff'], [-(2 ** 31), 'd280000000'], [-(2 ** 31) - 1, 'd3ffffffff7fffffff'],
    [-(2 ** 53) + 1, 'd3ffe0000000000001'], [-(2 ** 63), 'd38000000000000000'],
  ])('%d → %s', (n, expected) => {
    expect(enc(n)).toBe(expected);
  });

  it.each([
    [5n, '05'], [-5n, 'fb'], [300n, 'cd012c'], [2n ** 32n, 'cf0000000100000000'], [2n ** 53n + 1n, 'cf0020000000000001'],
    [2n ** 64n - 1n, 'cfffffffffffffffff'], [-(2n ** 31n), 'd280000000'], [-(2n ** 31n) - 1n, 'd3ffffffff7fffffff'],
    [-(2n ** 63n), 'd38000000000000000'],
  ])('bigint %s → %s (not always int64)', (n, expected) => {
    expect(enc(n)).toBe(expected);
  });

  it('refuses bigints beyond int64/uint64, as Python raises OverflowError', () => {
    encodeError(2n ** 64n, /uint64/);
    encodeError(-(2n ** 63n) - 1n, /int64/);
  });
});

describe('floats: always float64', () => {
  it.each([
    [0.5, 'cb3fe0000000000000'], [0.1, 'cb3fb999999999999a'], [-1.5, 'cbbff8000000000000'],
    [NaN, 'cb7ff8000000000000'], [Infinity, 'cb7ff0000000000000'], [-Infinity, 'cbfff0000000000000'],
    [2 ** 64, 'cb43f0000000000000'], [1e300, 'cb7e37e43c8800759c'],
  ])('%d → %s', (n, expected) => {
    expect(enc(n)).toBe(expected);
  });

  it('writes -0 as int 0, as JSON does', () => {
    expect(enc(-0)).toBe('00');
  });
});

describe('strings: str8/16/32 headers sized by UTF-8 length', () => {
  const header = (s: string): string => enc(s).slice(0, enc(s).length - Buffer.byteLength(s) * 2);
  it.each([
    ['a'.repeat(31), 'bf'], ['a'.repeat(32), 'd920'], ['a'.repeat(255), 'd9ff'], ['a'.repeat(256), 'da0100'],
    ['a'.repeat(65535), 'daffff'], ['a'.repeat(65536), 'db00010000'],
    ['é'.repeat(15), 'be'], ['é'.repeat(16), 'd920'], ['é'.repeat(100), 'd9c8'], ['é'.repeat(128), 'da0100'],
    ['😀'.repeat(8), 'd920'], ['€'.repeat(11), 'd921'], ['€'.repeat(100), 'da012c'], ['é'.repeat(32768), 'db00010000'],
  ])('%#: header %s', (s, expected) => {
    expect(header(s)).toBe(expected);
    expect(Buffer.from(encode(s)).subarray(expected.length / 2).toString('utf8')).toBe(s);
  });

  it('writes UTF-8 (spec example)', () => {
    expect(enc('héllo wörld ☃ 😀')).toBe('b668c3a96c6c6f2077c3b6726c6420e2988320f09f9880');
  });

  it('writes a lone surrogate as U+FFFD, in short and long strings alike', () => {
    expect(enc('\ud800')).toBe('a3efbfbd');
    expect(enc('x\udc00')).toBe('a478efbfbd');
    const long = `${'a'.repeat(60)}\ud83d`;
    expect(decode(encode(long))).toBe(`${'a'.repeat(60)}\ufffd`);
  });
});

describe('bytes, arrays, maps', () => {
  it('writes Uint8Array and Buffer as bin8/16/32', () => {
    expect(enc(new Uint8Array([0, 1, 255]))).toBe('c4030001ff');
    expect(enc(Buffer.from([7]))).toBe('c40107');
    expect(enc(new Uint8Array(256)).slice(0, 6)).toBe('c50100');
    expect(enc(new Uint8Array(65536)).slice(0, 10)).toBe('c600010000');
    const offset = new Uint8Array([9, 8, 7, 6]).subarray(1, 3);
    expect(enc(offset)).toBe('c4020807');
  });

  it('writes fixarray/array16/array32', () => {
    expect(enc([])).toBe('90');
    expect(enc(new Array(15).fill(1))).toBe(`9f${'01'.repeat(15)}`);
    expect(enc(new Array(16).fill(1)).slice(0, 6)).toBe('dc0010');
    expect(enc(new Array(65536).fill(0)).slice(0, 10)).toBe('dd00010000');
  });

  it('writes fixmap/map16/map32 in insertion order', () => {
    const keys = (n: number): Record<string, number> => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));
    expect(enc({})).toBe('80');
    expect(enc({ b: 1, a: 2 })).toBe('82a16201a16102');
    expect(enc(keys(15)).slice(0, 2)).toBe('8f');
    expect(enc(keys(16)).slice(0, 6)).toBe('de0010');
    expect(enc(keys(65536)).slice(0, 10)).toBe('df00010000');
  });

  it('leaves out undefined properties and shrinks the map header to match', () => {
    expect(enc({ a: undefined, b: 1 })).toBe('81a16201');
    const sixteen: Record<string, unknown> = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`k${i}`, i]));
    sixteen['k3'] = undefined;
    const bytes = encode(sixteen);
    expect(hex(bytes).slice(0, 2)).toBe('8f');
    expect(Object.keys(decode(bytes) as object)).toHaveLength(15);
    const big: Record<string, unknown> = Object.fromEntries(Array.from({ length: 65536 }, (_, i) => [`k${i}`, i]));
    big['k0'] = undefined;
    expect(hex(encode(big)).slice(0, 6)).toBe('deffff');
  });

  it('writes undefined as nil in arrays and at the top level', () => {
    expect(enc(undefined)).toBe('c0');
    expect(enc([1, undefined, 2])).toBe('9301c002');
    // eslint-disable-next-line no-sparse-arrays
    expect(enc([1, , 2])).toBe('9301c002');
  });

  it('writes a Map with string keys as a map, leaving out undefined values', () => {
    expect(enc(new Map<string, unknown>([['b', 1], ['a', undefined], ['c', [true]]]))).toBe('82a16201a16391c3');
  });

  it('writes objects without Object.prototype and class instances as maps of own properties', () => {
    const bare = Object.assign(Object.create(null) as object, { x: 1 });
    expect(enc(bare)).toBe('81a17801');
    class Point {
      constructor(readonly x: number, readonly y: number) {}
      get norm(): number {
        return Math.hypot(this.x, this.y);
      }
    }
    expect(enc(new Point(1, 2))).toBe('82a17801a17902');
  });

  it('uses toJSON when a class has one', () => {
    const money = { toJSON: () => '1.10' };
    expect(enc({ price: money })).toBe(enc({ price: '1.10' }));
    class Id {
      toJSON(): unknown {
        return { id: 7 };
      }
    }
    expect(enc([new Id()])).toBe(enc([{ id: 7 }]));
  });
});

describe('dates', () => {
  it("writes a Date as Celery's ISO form by default", () => {
    const date = new Date(Date.UTC(2026, 10, 23, 18, 46, 42, 215));
    expect(decode(encode(date))).toBe('2026-11-23T18:46:42.215000+00:00');
    expect(msgpackSerializer.decode(msgpackSerializer.encode({ eta: date }))).toEqual({ eta: '2026-11-23T18:46:42.215000+00:00' });
  });

  it('never writes the timestamp ext (-1)', () => {
    expect(hex(encode(new Date(0)))).not.toMatch(/^d6ff|^d7ff|^c70cff/);
  });

  it("refuses dates with dates: 'error', and invalid dates always", () => {
    const strict = createMsgpackSerializer({ dates: 'error' });
    expect(() => strict.encode([new Date()])).toThrow(EncodeError);
    encodeError(new Date(NaN), /invalid Date/);
  });
});

describe('refused values', () => {
  it.each([
    ['a symbol', Symbol('x'), /symbol/],
    ['a function', () => 1, /function/],
    ['a Set', new Set([1]), /Set/],
    ['a RegExp', /x/, /RegExp/],
    ['an Error', new Error('x'), /Error/],
    ['a Float32Array', new Float32Array(2), /Float32Array/],
    ['an ArrayBuffer', new ArrayBuffer(2), /ArrayBuffer/],
    ['a Map with a number key', new Map([[1, 'a']]), /strict_map_key.*number/],
    ['a Map with an object key', new Map([[{}, 'a']]), /strict_map_key.*Object/],
    ['a function nested in an object', { a: [{ f: () => 1 }] }, /function/],
  ])('%s', (_name, v, pattern) => {
    encodeError(v, pattern);
  });

  it('refuses cycles and nesting deeper than Python reads (1024)', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    encodeError(cyclic, /nested deeper than 1024/);
    const list: unknown[] = [];
    list.push(list);
    encodeError(list, /nested deeper/);
    const nest = (n: number): unknown => {
      let v: unknown = 0;
      for (let i = 0; i < n; i++) v = [v];
      return v;
    };
    expect(encode(nest(1024)).length).toBe(1025);
    encodeError(nest(1025), /nested deeper/);
  });

  it('reports a throwing getter or toJSON as EncodeError with the cause', () => {
    const cause = new Error('boom');
    const getter = {
      get x(): number {
        throw cause;
      },
    };
    expect(() => encode(getter)).toThrow(EncodeError);
    try {
      encode({ toJSON: () => { throw cause; } });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(EncodeError);
      expect((error as EncodeError).cause).toBe(cause);
      expect((error as EncodeError).code).toBe('ENCODE_ERROR');
    }
  });

  it('is usable again after a failed encode', () => {
    expect(() => encode({ a: 'x'.repeat(100), b: Symbol('y') })).toThrow(EncodeError);
    expect(enc({ a: 1 })).toBe('81a16101');
  });
});

describe('output buffers', () => {
  it('returns plain Uint8Arrays that later encodes never overwrite', () => {
    const first = encode({ id: 'first' });
    const firstHex = hex(first);
    const big = encode('z'.repeat(200_000));
    for (let i = 0; i < 5000; i++) encode([i, 'padding'.repeat(10)]);
    expect(first.constructor).toBe(Uint8Array);
    expect(hex(first)).toBe(firstHex);
    expect(decode(big)).toBe('z'.repeat(200_000));
  });

  it('grows past the slab in the middle of a value without losing what was written', () => {
    const value = { head: 'h'.repeat(1000), items: Array.from({ length: 3000 }, (_, i) => ({ i, s: `item ${i}` })) };
    for (let round = 0; round < 3; round++) {
      expect(decode(encode(value))).toStrictEqual(value);
    }
  });

  it('lets a toJSON encode with the same serializer while an encode is running', () => {
    const inner = { toJSON: () => hex(encode({ nested: true })) };
    const bytes = encode([inner, 'after']);
    expect(decode(bytes)).toStrictEqual([enc({ nested: true }), 'after']);
  });
});
