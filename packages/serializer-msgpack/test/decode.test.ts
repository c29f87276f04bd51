/** Decoding: every msgpack format, Python's int/bytes semantics, and DecodeError for malformed input. */
import { DecodeError } from '@celerity/core';
import { describe, expect, it } from 'vitest';
import { createMsgpackSerializer } from '../src/index.js';
import { fromHex } from './fixtures.js';

const { decode } = createMsgpackSerializer();
const dec = (h: string): unknown => decode(fromHex(h));
const decodeError = (h: string, pattern: RegExp): void => {
  expect(() => dec(h)).toThrow(DecodeError);
  expect(() => dec(h)).toThrow(pattern);
};

describe('scalars', () => {
  it.each([
    ['c0', null], ['c2', false], ['c3', true], ['00', 0], ['7f', 127], ['ff', -1], ['e0', -32],
    ['cc80', 128], ['cdffff', 65535], ['ceffffffff', 4294967295], ['d080', -128], ['d18000', -32768],
    ['d280000000', -2147483648], ['ca3fc00000', 1.5], ['cb3fb999999999999a', 0.1],
    // uint64/int64 as Python writes them, and as other encoders may write small values
    ['cf0000000100000000', 4294967296], ['cf0000000000000005', 5], ['d3fffffffffffffffb', -5],
    ['cf001fffffffffffff', 9007199254740991], ['d3ffe0000000000001', -9007199254740991],
  ])('%s → %s', (h, expected) => {
    expect(dec(h)).toBe(expected);
  });

  it.each([
    ['cf0020000000000000', 9007199254740992n], ['cf0020000000000001', 9007199254740993n],
    ['cfffffffffffffffff', 18446744073709551615n], ['d3ffe0000000000000', -9007199254740992n],
    ['d38000000000000000', -9223372036854775808n], ['d37fffffffffffffff', 9223372036854775807n],
  ])('%s → %s as bigint, never a rounded number', (h, expected) => {
    expect(dec(h)).toBe(expected);
  });

  it('reads NaN and infinities', () => {
    expect(dec('cb7ff8000000000000')).toBeNaN();
    expect(dec('cbfff0000000000000')).toBe(-Infinity);
    expect(dec('ca7f800000')).toBe(Infinity);
  });
});

describe('strings and bytes', () => {
  it('reads str8/16/32', () => {
    expect(dec('a3616263')).toBe('abc');
    expect(dec('d903616263')).toBe('abc');
    expect(dec('da0003616263')).toBe('abc');
    expect(dec('db00000003616263')).toBe('abc');
    expect(dec(`da0100${'61'.repeat(256)}`)).toBe('a'.repeat(256));
    expect(dec(`d940${'c3a9'.repeat(32)}`)).toBe('é'.repeat(32));
  });

  it('keeps a leading U+FEFF (data, not a byte-order mark), as Python does', () => {
    expect(dec('a3efbbbf')).toBe('\ufeff');
    expect(dec(`d930efbbbf${'61'.repeat(45)}`)).toBe(`\ufeff${'a'.repeat(45)}`);
  });

  it('refuses invalid UTF-8, as unpackb(raw=False) raises UnicodeDecodeError', () => {
    decodeError('a1ff', /./);
    decodeError('a3eda080', /./); // an encoded surrogate
    decodeError(`d940${'61'.repeat(63)}ff`, /./);
  });

  it('reads bin8/16/32 as plain Uint8Array copies', () => {
    expect(dec('c4030001ff')).toStrictEqual(new Uint8Array([0, 1, 255]));
    expect(dec('c50002abcd')).toStrictEqual(new Uint8Array([0xab, 0xcd]));
    expect(dec('c60000000100')).toStrictEqual(new Uint8Array([0]));
    const input = Buffer.from('c4020102', 'hex');
    const out = decode(input) as Uint8Array;
    input[2] = 9;
    expect(out).toStrictEqual(new Uint8Array([1, 2]));
    expect(out.constructor).toBe(Uint8Array);
  });

  it('reads from a view into a larger buffer', () => {
    const pool = Buffer.from('ffff92a178c3ffff', 'hex');
    expect(decode(pool.subarray(2, 6))).toStrictEqual(['x', true]);
  });
});

describe('containers', () => {
  it('reads fixarray/array16/array32 and fixmap/map16/map32', () => {
    expect(dec('920102')).toStrictEqual([1, 2]);
    expect(dec('dc00020102')).toStrictEqual([1, 2]);
    expect(dec('dd000000020102')).toStrictEqual([1, 2]);
    expect(dec('81a16101')).toStrictEqual({ a: 1 });
    expect(dec('de0001a16101')).toStrictEqual({ a: 1 });
    expect(dec('df00000001a16101')).toStrictEqual({ a: 1 });
  });

  it('keeps __proto__ as data and leaves the prototype alone', () => {
    const out = dec('82a95f5f70726f746f5f5f81a17801a17900') as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toStrictEqual(['__proto__', 'y']);
    expect(Object.getOwnPropertyDescriptor(out, '__proto__')?.value).toStrictEqual({ x: 1 });
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
  });

  it('reads bin keys (Python bytes keys) as their UTF-8 text', () => {
    expect(dec('81c4016101')).toStrictEqual({ a: 1 });
    expect(dec('81c500016102')).toStrictEqual({ a: 2 });
    decodeError('81c401ff01', /./);
  });

  it('refuses keys other than str and bin, as strict_map_key does', () => {
    decodeError('810102', /map key of type 0x1 .*strict_map_key/);
    decodeError('81c002', /map key of type 0xc0/);
    decodeError('819101a0', /map key of type 0x91/);
    decodeError('81cb3ff000000000000001', /map key of type 0xcb/);
  });

  it('reads a repeated key as the last value, as a Python dict does', () => {
    expect(dec('82a16101a16102')).toStrictEqual({ a: 2 });
  });

  it('tells apart keys that share a key-cache slot', () => {
    // Same length, first, middle and last byte: only the bytes in between differ.
    const out = dec('93 81a56162636465 01 81a56158635965 02 81a56162636465 03'.replaceAll(' ', ''));
    expect(out).toStrictEqual([{ abcde: 1 }, { aXcYe: 2 }, { abcde: 3 }]);
  });

  it('reads 1024 nested containers and refuses 1025, as Python does', () => {
    expect(decode(fromHex(`${'91'.repeat(1024)}00`))).toBeInstanceOf(Array);
    decodeError(`${'91'.repeat(1025)}00`, /more than 1024 nested/);
    decodeError(`${'81a178'.repeat(1025)}00`, /more than 1024 nested/);
  });
});

describe('ext types', () => {
  it('reads the standard timestamp (-1) in its three sizes as a Date', () => {
    expect(dec('d6ff00000000')).toStrictEqual(new Date(0));
    expect(dec('d6ff5f5e1000')).toStrictEqual(new Date(1600000000 * 1000));
    // timestamp64: 500 ms in the high 30 bits, 1600000000 s
    expect(dec('d7ff77359400' + '5f5e1000')).toStrictEqual(new Date(1600000000 * 1000 + 500));
    expect(dec('c70cff000000000000000000000000')).toStrictEqual(new Date(0));
    expect(dec('c70cff00000000ffffffffffffffff')).toStrictEqual(new Date(-1000));
  });

  it('refuses malformed timestamps and every other ext type', () => {
    decodeError('d5ff0000', /timestamp ext of 2 bytes/);
    decodeError('d7ffffffffff00000000', /timestamp out of range/); // nanoseconds > 999999999
    decodeError('c70cff000000007fffffffffffffff', /timestamp out of range/);
    decodeError('d40100', /unsupported ext type 1/);
    decodeError('d47200', /unsupported ext type 114/); // msgpackr's record definition
    decodeError('d40000', /unsupported ext type 0/); // what some libraries use for undefined
  });
});

describe('malformed input', () => {
  it.each([
    ['empty input', '', /truncated/],
    ['the never-used byte 0xc1', 'c1', /invalid type byte 0xc1/],
    ['extra data after the value', '0000', /1 bytes of extra data/],
    ['a truncated str', 'a3616263'.slice(0, 6), /truncated/],
    ['a truncated str8 length', 'd9', /truncated/],
    ['a truncated float64', 'cb3ff0', /truncated/],
    ['a truncated uint64', 'cf00000000', /truncated/],
    ['a truncated array', '93010203'.slice(0, 6), /truncated/],
    ['a truncated map', '82a16101a162', /truncated/],
    ['a truncated ext', 'd6ff0000', /truncated/],
    ['a forged array32 length', 'ddffffffff00', /truncated/],
    ['a forged map32 length', 'dfffffffff00', /truncated/],
    ['a forged bin32 length', 'c6ffffffff00', /truncated/],
  ])('%s → DecodeError', (_name, h, pattern) => {
    decodeError(h, pattern);
  });

  it('refuses input that is not a Uint8Array', () => {
    for (const input of [null, undefined, 'c0', [0xc0], new ArrayBuffer(1)]) {
      expect(() => decode(input as unknown as Uint8Array)).toThrow(DecodeError);
    }
  });

  it('carries the stable code and is not retryable', () => {
    try {
      dec('c1');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(DecodeError);
      expect((error as DecodeError).code).toBe('DECODE_ERROR');
      expect((error as DecodeError).retryable).toBe(false);
    }
  });

  it('decodes normally after a failure', () => {
    expect(() => dec('82a16101')).toThrow(DecodeError);
    expect(dec('82a16101a16202')).toStrictEqual({ a: 1, b: 2 });
  });
});
