/**
 * Cross-check with the real Python msgpack (as kombu calls it): what we write, Python reads as the
 * intended value and re-packs to the same bytes; what Python writes, we read and re-pack to the
 * same bytes; and both refuse the same malformed input. Needs `python3` with `msgpack` importable.
 */
import { spawnSync } from 'node:child_process';
import { isDeepStrictEqual } from 'node:util';
import { fileURLToPath } from 'node:url';
import { DecodeError } from '@celerity/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMsgpackSerializer } from '../src/index.js';
import { value } from './arbitraries.js';
import { fromHex, hex } from './fixtures.js';

const ORACLE = fileURLToPath(new URL('./python/msgpack_oracle.py', import.meta.url));

/** The first python3 that can `import msgpack` (Debian's python3-msgpack lives in /usr/bin's). */
function findPython(): string | undefined {
  for (const candidate of ['/usr/bin/python3', 'python3']) {
    const probe = spawnSync(candidate, ['-c', 'import msgpack'], { stdio: 'ignore' });
    if (probe.status === 0) return candidate;
  }
  return undefined;
}

const python = findPython();
if (!python) console.warn('python.int.test.ts skipped: no python3 can `import msgpack` (apt install python3-msgpack)');

type Typed = null | boolean | Typed[] | { int: string } | { float: string } | { str: string } | { bytes: string } | { dict: [Typed, Typed][] } | { other: string };
type Unpacked = { value: Typed; repacked: string | null } | { error: string };

function oracle<T>(mode: 'unpack' | 'generate', request: unknown): T {
  const run = spawnSync(python!, [ORACLE, mode], { input: JSON.stringify(request), encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (run.status !== 0) throw new Error(`msgpack_oracle.py ${mode} failed: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

const unpackInPython = (items: readonly Uint8Array[]): Unpacked[] => oracle('unpack', { hex: items.map(hex) });

function floatBits(n: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, n);
  return hex(new Uint8Array(view.buffer));
}

/** The Python value our encoding of a JS value is meant to be (the mapping in the README). */
function intended(v: unknown): Typed {
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return { int: v.toString() };
  if (typeof v === 'number') {
    return Number.isInteger(v) && v >= -(2 ** 63) && v < 2 ** 64 ? { int: BigInt(v).toString() } : { float: floatBits(v) };
  }
  if (typeof v === 'string') return { str: v };
  if (v instanceof Uint8Array) return { bytes: hex(v) };
  if (Array.isArray(v)) return v.map(intended);
  const entries = Object.entries(v as object).filter(([, item]) => item !== undefined);
  return { dict: entries.map(([k, item]) => [{ str: k }, intended(item)]) };
}

/**
 * A Python value as it must look once read by JS: floats that are integral become ints (JS numbers
 * can't tell 1.0 from 1), bytes keys become str keys.
 */
function asSeenFromJs(t: Typed): Typed {
  if (t === null || typeof t === 'boolean') return t;
  if (Array.isArray(t)) return t.map(asSeenFromJs);
  if ('float' in t) {
    const f = new DataView(fromHex(t.float).buffer).getFloat64(0);
    return Number.isInteger(f) && f >= -(2 ** 63) && f < 2 ** 64 ? { int: BigInt(f).toString() } : t;
  }
  if ('bytes' in t || 'int' in t || 'str' in t || 'other' in t) return t;
  return { dict: t.dict.map(([k, item]) => ['bytes' in (k as object) ? { str: Buffer.from((k as { bytes: string }).bytes, 'hex').toString('utf8') } : k, asSeenFromJs(item)]) };
}

function hasDivergentType(t: Typed): boolean {
  if (t === null || typeof t === 'boolean') return false;
  if (Array.isArray(t)) return t.some(hasDivergentType);
  if ('other' in t) return true; // ExtType / Timestamp: Python keeps them, we refuse or make a Date
  if ('dict' in t) return t.dict.some(([k, item]) => (k !== null && typeof k === 'object' && 'bytes' in k) || hasDivergentType(item));
  return false;
}

function expectSame(actual: unknown, expected: unknown, context: string): void {
  if (!isDeepStrictEqual(actual, expected)) expect(actual, context).toEqual(expected);
}

describe.skipIf(!python)('against Python msgpack 1.x (packb use_bin_type=True / unpackb raw=False)', () => {
  const serializer = createMsgpackSerializer();

  it('Python reads what we write as the intended value and re-packs it to the same bytes', () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 60, maxLength: 120 }), (values) => {
        const encoded = values.map((v) => serializer.encode(v));
        const answers = unpackInPython(encoded);
        answers.forEach((answer, i) => {
          const context = `value #${i}: ${hex(encoded[i]!)}`;
          if ('error' in answer) expect.fail(`Python refused ${context}: ${answer.error}`);
          expectSame(answer.value, intended(values[i]), context);
          expect(answer.repacked, context).toBe(hex(encoded[i]!));
        });
      }),
      { numRuns: 8 },
    );
  });

  it('we read what Python writes and re-pack it to the same bytes', () => {
    const seed = Math.floor(Math.random() * 2 ** 31);
    const generated = oracle<{ hex: string; value: Typed }[]>('generate', { seed, count: 400 });
    generated.forEach((sample, i) => {
      const context = `seed ${seed}, value #${i}: ${sample.hex}`;
      const decoded = serializer.decode(fromHex(sample.hex));
      expectSame(intended(decoded), asSeenFromJs(sample.value), context);
      expect(hex(serializer.encode(decoded)), context).toBe(sample.hex);
    });
  });

  it('accepts and refuses the same bytes as Python, reading the same value', () => {
    const mutated = fc.tuple(value, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { maxLength: 3 }), fc.nat())
      .map(([v, flips, cut]) => {
        const bytes = Uint8Array.from(serializer.encode(v));
        for (const [at, xor] of flips) bytes[at % bytes.length]! ^= xor;
        return cut % 4 === 0 ? bytes.subarray(0, cut % (bytes.length + 1)) : bytes;
      });
    const input = fc.oneof(mutated, fc.uint8Array({ maxLength: 24 }));
    fc.assert(
      fc.property(fc.array(input, { minLength: 100, maxLength: 200 }), (batch) => {
        const answers = unpackInPython(batch);
        answers.forEach((answer, i) => {
          const bytes = batch[i]!;
          const context = `input #${i}: ${hex(bytes)}`;
          let ours: { ok: true; value: unknown } | { ok: false };
          try {
            ours = { ok: true, value: serializer.decode(bytes) };
          } catch (error) {
            expect(error, context).toBeInstanceOf(DecodeError);
            ours = { ok: false };
          }
          if ('error' in answer) {
            expect(ours.ok, `${context}: Python refused it (${answer.error}), we did not`).toBe(false);
          } else if (!hasDivergentType(answer.value)) {
            expect(ours.ok, `${context}: Python read it, we refused`).toBe(true);
            if (ours.ok) expectSame(intended(ours.value), asSeenFromJs(answer.value), context);
          }
        });
      }),
      { numRuns: 10 },
    );
  });

  it('Python reads the Celery body, bigints at every boundary, bytes and ISO dates as intended', () => {
    const values: unknown[] = [
      [[2], { y: 3 }, { callbacks: null, errbacks: null, chain: null, chord: null }],
      [2n ** 64n - 1n, 2n ** 63n, -(2n ** 63n), 2 ** 53, -(2 ** 53), 2 ** 32, -(2 ** 31) - 1, 0.1, -0, NaN],
      { bytes: new Uint8Array([0, 1, 255]), date: new Date(Date.UTC(2026, 10, 23, 18, 46, 42, 215)), skipped: undefined },
      new Map([['k', [undefined, 'é😀']]]),
    ];
    const answers = unpackInPython(values.map((v) => serializer.encode(v)));
    expect(answers[0]).toMatchObject({ value: intended(values[0]) });
    expect(answers[1]).toMatchObject({ value: intended([2n ** 64n - 1n, 2n ** 63n, -(2n ** 63n), 2n ** 53n, -(2n ** 53n), 2n ** 32n, -(2n ** 31n) - 1n, 0.1, 0, NaN]) });
    expect(answers[2]).toMatchObject({ value: { dict: [[{ str: 'bytes' }, { bytes: '0001ff' }], [{ str: 'date' }, { str: '2026-11-23T18:46:42.215000+00:00' }]] } });
    expect(answers[3]).toMatchObject({ value: { dict: [[{ str: 'k' }, [null, { str: 'é😀' }]]] } });
  });

  it('Python reads 1024 nested lists from us (its unpacker limit), which is where we stop', () => {
    let nested: unknown = 0;
    for (let i = 0; i < 1024; i++) nested = [nested];
    const [answer] = unpackInPython([serializer.encode(nested)]);
    expect(answer).toHaveProperty('value');
    const [tooDeep] = unpackInPython([fromHex(`${'91'.repeat(1025)}00`)]);
    expect(tooDeep).toHaveProperty('error');
    expect(() => serializer.decode(fromHex(`${'91'.repeat(1025)}00`))).toThrow(DecodeError);
  });
});
