/**
 * Header typing against `header_field_types.json`: what py-amqp writes (`I` for int32, `d`, `V`,
 * `t`, `S`, `A`, `F`) is what we must write, at any depth, because py-amqp misreads amqplib's
 * default `b` / `s`. The tables are encoded by amqplib's own codec and read back tag by tag.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { typeFieldTable } from '../src/header-types.js';
import { tagsOfTable } from './field-tags.js';

interface Codec {
  encodeTable(buffer: Buffer, value: unknown, offset: number): number;
  decodeFields(slice: Buffer): Record<string, unknown>;
}
const require = createRequire(import.meta.url);
// The codec is not exported by amqplib's package map; load the file the package itself uses.
const codec = require(join(dirname(require.resolve('amqplib')), 'lib', 'codec.js')) as Codec;

const vector = JSON.parse(readFileSync(new URL('./fixtures/amqp/header_field_types.json', import.meta.url), 'utf8')) as Record<string, Record<string, string>>;

function encode(table: Record<string, unknown>): Buffer {
  const buffer = Buffer.alloc(65536);
  const size = codec.encodeTable(buffer, table, 0);
  return buffer.subarray(4, size);
}

describe('typeFieldTable', () => {
  it('writes the tags py-amqp writes for the values the vector measured', () => {
    // The values of vector.observed_amqplib_to_py_amqp, by name.
    const headers = { zero: 0, small: 5, neg1: -1, i16: 300, i16neg: -300, i32: 70000, big: 2 ** 40, dbl: 1.5, nul: null, arr_null: [null, null], bool: true, str: 'héllo' };
    const tags = tagsOfTable(encode(typeFieldTable(headers)));
    expect(tags).toEqual({ zero: 'I', small: 'I', neg1: 'I', i16: 'I', i16neg: 'I', i32: 'I', big: 'l', dbl: 'd', nul: 'V', arr_null: ['V', 'V'], bool: 't', str: 'S' });
    // Each tag above is one py-amqp reads as the value we meant (vector.py_amqp_reads).
    const reads = vector['py_amqp_reads'] as Record<string, string>;
    expect(reads['I']).toMatch(/^int32/);
    expect(reads['l']).toMatch(/UNSIGNED 64/); // right for 2**40, which is why negatives never get `l`
    expect(vector['py_amqp_writes']?.['int in [-2147483647, 2147483647]']).toMatch(/^I /);
    // amqplib reads our encoding back to the same values.
    expect(codec.decodeFields(encode(typeFieldTable(headers)))).toEqual(headers);
  });

  it('is not what amqplib writes by default (the bug this guards against)', () => {
    const tags = tagsOfTable(encode({ neg1: -1, i16: 300, timelimit: [300, 200] }));
    expect(tags).toEqual({ neg1: 'b', i16: 's', timelimit: ['s', 's'] });
    expect(vector['observed_real_worker']?.['amqplib headers with timelimit [300, 200] (default encoding -> s)']).toMatch(/FrameSyntaxError/);
  });

  it('types integers inside arrays and nested tables (timelimit, stamps, custom headers)', () => {
    const headers = { timelimit: [300, 200], stamps: { n: [1, { deep: -70000 }] }, group_index: 0, retries: 3 };
    expect(tagsOfTable(encode(typeFieldTable(headers)))).toEqual({
      timelimit: ['I', 'I'],
      stamps: { n: ['I', { deep: 'I' }] },
      group_index: 'I',
      retries: 'I',
    });
  });

  it('uses l only for non-negative integers past int32, and d where py-amqp would misread l', () => {
    const headers = { max32: 2 ** 31 - 1, min32: -(2 ** 31), over: 2 ** 31, negBig: -(2 ** 40), huge: 2 ** 64, nan: Number.NaN, inf: Number.POSITIVE_INFINITY };
    expect(tagsOfTable(encode(typeFieldTable(headers)))).toEqual({ max32: 'I', min32: 'I', over: 'l', negBig: 'd', huge: 'd', nan: 'd', inf: 'd' });
    const decoded = codec.decodeFields(encode(typeFieldTable(headers)));
    expect(decoded).toMatchObject({ max32: 2 ** 31 - 1, min32: -(2 ** 31), over: 2 ** 31, negBig: -(2 ** 40), huge: 2 ** 64, inf: Number.POSITIVE_INFINITY });
    expect(decoded['nan']).toBeNaN();
  });

  it('types bigints, bytes, dates and undefined array items; drops undefined keys', () => {
    const table = typeFieldTable({ small: 7n, big: 2n ** 40n, bytes: new Uint8Array([1, 2]), at: new Date(1_700_000_000_500), list: [undefined], gone: undefined });
    expect(Object.keys(table)).not.toContain('gone');
    expect(tagsOfTable(encode(table))).toEqual({ small: 'I', big: 'l', bytes: 'x', at: 'T', list: ['V'] });
    const decoded = codec.decodeFields(encode(table));
    expect(decoded['small']).toBe(7);
    expect(decoded['big']).toBe(2 ** 40);
    expect([...(decoded['bytes'] as Buffer)]).toEqual([1, 2]);
    expect(decoded['at']).toEqual({ '!': 'timestamp', value: 1_700_000_000 });
  });

  it('passes explicitly typed values through and never mutates its input', () => {
    const input = { forced: { '!': 'short', value: 5 }, nested: { list: [1] } };
    const copy = structuredClone(input);
    expect(tagsOfTable(encode(typeFieldTable(input)))).toEqual({ forced: 's', nested: { list: ['I'] } });
    expect(input).toEqual(copy);
  });

  it('refuses values an AMQP table cannot carry', () => {
    expect(() => typeFieldTable({ f: () => 1 })).toThrow(TypeError);
  });
});
