/**
 * Loads the captured Celery vectors in test/fixtures. Their JSON holds integers past 2^53 (which
 * JSON.parse would round) and `{"$msgpack_bin_hex": …}` for Python bytes; both are revived here as
 * the values the decoder must produce: bigint and Uint8Array.
 */
import { readFileSync } from 'node:fs';

const BIGINT_MARK = '\u0000bigint:';

/** Quotes every integer literal outside strings that a double cannot hold exactly. */
function protectBigInts(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      const match = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i))!;
      const literal = match[0];
      const isInt = match[1] === undefined && match[2] === undefined;
      out += isInt && !Number.isSafeInteger(Number(literal)) ? JSON.stringify(BIGINT_MARK + literal) : literal;
      i += literal.length;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

function revive(_key: string, value: unknown): unknown {
  if (typeof value === 'string' && value.startsWith(BIGINT_MARK)) return BigInt(value.slice(BIGINT_MARK.length));
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const hex = (value as Record<string, unknown>)['$msgpack_bin_hex'];
    if (typeof hex === 'string' && Object.keys(value).length === 1) return Uint8Array.from(Buffer.from(hex, 'hex'));
  }
  return value;
}

/** Parses a fixture file (path relative to test/fixtures) with bigints and bin values revived. */
export function loadFixture(path: string): unknown {
  const text = readFileSync(new URL(`./fixtures/${path}`, import.meta.url), 'utf8');
  return JSON.parse(protectBigInts(text), revive);
}

export const hex = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
export const fromHex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'hex'));
