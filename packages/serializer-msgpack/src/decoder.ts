/**
 * A strict msgpack reader with the semantics of Python's `unpackb(data, raw=False)` as kombu calls
 * it: str must be valid UTF-8, map keys must be str or bin (`strict_map_key`), at most 1024 nested
 * containers, no bytes left over. Hand-written rather than msgpackr's Unpackr, which turns int keys
 * into strings, renames `__proto__` and revives its private ext types (records, Sets, Errors…).
 */
import { DecodeError } from '@celerity/core';
import { MAX_DEPTH } from './encoder.js';
import { readUtf8 } from './utf8.js';

const TWO_32 = 4294967296;
const EMPTY = new Uint8Array(0);
/** Keys up to this many bytes go through the key cache. */
const MAX_CACHED_KEY = 24;
const KEY_CACHE_SLOTS = 4096;

/** A map key seen before: its bytes and the string made from them once. */
interface CachedKey {
  readonly bytes: Uint8Array;
  readonly text: string;
}

class Truncated extends Error {}

/** Reads one value from a buffer; one instance serves every call (decoding is synchronous). */
export class MsgpackDecoder {
  private src: Uint8Array = EMPTY;
  private view: DataView = new DataView(EMPTY.buffer);
  private pos = 0;
  /**
   * The same few keys (`callbacks`, `chain`, `id`…) fill every message: returning the string made
   * last time instead of building it again is most of what makes small messages fast to decode.
   */
  private readonly keys = new Array<CachedKey | undefined>(KEY_CACHE_SLOTS);

  /** Decodes exactly one value filling `bytes`; throws `DecodeError` for anything else. */
  decode(bytes: Uint8Array): unknown {
    if (!(bytes instanceof Uint8Array)) {
      throw new DecodeError(`msgpack: expected a Uint8Array, got ${bytes === null ? 'null' : typeof bytes}`);
    }
    // A plain view, so `slice` copies (Buffer#slice would alias the input).
    this.src = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = 0;
    try {
      const value = this.read(0);
      if (this.pos !== this.src.length) {
        throw new DecodeError(`msgpack: ${this.src.length - this.pos} bytes of extra data after the value`);
      }
      return value;
    } catch (error) {
      if (error instanceof DecodeError) throw error;
      if (error instanceof Truncated) throw new DecodeError('msgpack: truncated input');
      // TextDecoder's TypeError on bad UTF-8; a RangeError from DataView can't happen after `need`.
      const reason = error instanceof Error ? error.message : String(error);
      throw new DecodeError(`msgpack: ${reason}`, { cause: error });
    } finally {
      this.src = EMPTY; // don't keep the caller's buffer alive
      this.view = new DataView(EMPTY.buffer);
    }
  }

  private need(n: number): number {
    const at = this.pos;
    if (at + n > this.src.length) throw new Truncated();
    this.pos = at + n;
    return at;
  }

  private read(depth: number): unknown {
    const b = this.src[this.pos];
    if (b === undefined) throw new Truncated();
    this.pos++;
    if (b < 0x80) return b;
    if (b >= 0xe0) return b - 0x100;
    if (b < 0x90) return this.readMap(b & 0x0f, depth);
    if (b < 0xa0) return this.readArray(b & 0x0f, depth);
    if (b < 0xc0) return this.readString(b & 0x1f);
    const view = this.view;
    switch (b) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xc4:
        return this.readBin(view.getUint8(this.need(1)));
      case 0xc5:
        return this.readBin(view.getUint16(this.need(2)));
      case 0xc6:
        return this.readBin(view.getUint32(this.need(4)));
      case 0xc7:
        return this.readExt(view.getUint8(this.need(1)));
      case 0xc8:
        return this.readExt(view.getUint16(this.need(2)));
      case 0xc9:
        return this.readExt(view.getUint32(this.need(4)));
      case 0xca:
        return view.getFloat32(this.need(4));
      case 0xcb:
        return view.getFloat64(this.need(8));
      case 0xcc:
        return view.getUint8(this.need(1));
      case 0xcd:
        return view.getUint16(this.need(2));
      case 0xce:
        return view.getUint32(this.need(4));
      case 0xcf: {
        const at = this.need(8);
        const n = view.getUint32(at) * TWO_32 + view.getUint32(at + 4);
        // Past 2^53 a number would be silently rounded; those come back as bigint.
        return Number.isSafeInteger(n) ? n : view.getBigUint64(at);
      }
      case 0xd0:
        return view.getInt8(this.need(1));
      case 0xd1:
        return view.getInt16(this.need(2));
      case 0xd2:
        return view.getInt32(this.need(4));
      case 0xd3: {
        const at = this.need(8);
        const n = view.getInt32(at) * TWO_32 + view.getUint32(at + 4);
        return Number.isSafeInteger(n) ? n : view.getBigInt64(at);
      }
      case 0xd4:
        return this.readExt(1);
      case 0xd5:
        return this.readExt(2);
      case 0xd6:
        return this.readExt(4);
      case 0xd7:
        return this.readExt(8);
      case 0xd8:
        return this.readExt(16);
      case 0xd9:
        return this.readString(view.getUint8(this.need(1)));
      case 0xda:
        return this.readString(view.getUint16(this.need(2)));
      case 0xdb:
        return this.readString(view.getUint32(this.need(4)));
      case 0xdc:
        return this.readArray(view.getUint16(this.need(2)), depth);
      case 0xdd:
        return this.readArray(view.getUint32(this.need(4)), depth);
      case 0xde:
        return this.readMap(view.getUint16(this.need(2)), depth);
      case 0xdf:
        return this.readMap(view.getUint32(this.need(4)), depth);
      default:
        throw new DecodeError(`msgpack: invalid type byte 0x${b.toString(16)} at offset ${this.pos - 1}`);
    }
  }

  private readString(length: number): string {
    const at = this.need(length);
    return readUtf8(this.src, at, at + length);
  }

  private readBin(length: number): Uint8Array {
    const at = this.need(length);
    return this.src.slice(at, at + length);
  }

  private readArray(length: number, depth: number): unknown[] {
    if (depth >= MAX_DEPTH) throw new DecodeError(`msgpack: more than ${MAX_DEPTH} nested containers`);
    // Every element takes a byte at least: a forged length must not allocate a huge array.
    if (length > this.src.length - this.pos) throw new Truncated();
    const items = new Array<unknown>(length);
    for (let i = 0; i < length; i++) items[i] = this.read(depth + 1);
    return items;
  }

  private readMap(length: number, depth: number): Record<string, unknown> {
    if (depth >= MAX_DEPTH) throw new DecodeError(`msgpack: more than ${MAX_DEPTH} nested containers`);
    if (length * 2 > this.src.length - this.pos) throw new Truncated();
    const record: Record<string, unknown> = {};
    for (let i = 0; i < length; i++) {
      const key = this.readKey();
      const value = this.read(depth + 1);
      if (key === '__proto__') {
        // Plain assignment would replace the prototype instead of storing the data.
        Object.defineProperty(record, key, { value, writable: true, enumerable: true, configurable: true });
      } else {
        record[key] = value;
      }
    }
    return record;
  }

  /** str keys as they are; bin keys (Python bytes, allowed by strict_map_key) as their UTF-8 text. */
  private readKey(): string {
    const b = this.src[this.pos];
    if (b === undefined) throw new Truncated();
    this.pos++;
    if (b >= 0xa0 && b < 0xc0) return this.readCachedKey(b & 0x1f);
    const view = this.view;
    switch (b) {
      case 0xd9:
      case 0xc4:
        return this.readCachedKey(view.getUint8(this.need(1)));
      case 0xda:
      case 0xc5:
        return this.readString(view.getUint16(this.need(2)));
      case 0xdb:
      case 0xc6:
        return this.readString(view.getUint32(this.need(4)));
      default:
        this.pos--;
        throw new DecodeError(
          `msgpack: map key of type 0x${b.toString(16)} at offset ${this.pos}; only str and bin keys are allowed (strict_map_key)`,
        );
    }
  }

  private readCachedKey(length: number): string {
    if (length > MAX_CACHED_KEY || length === 0) return this.readString(length);
    const at = this.need(length);
    const src = this.src;
    const slot = ((length << 7) ^ (src[at]! << 4) ^ src[at + length - 1]! ^ (src[at + (length >> 1)]! << 1)) & (KEY_CACHE_SLOTS - 1);
    const cached = this.keys[slot];
    if (cached !== undefined && cached.bytes.length === length) {
      const bytes = cached.bytes;
      let i = 0;
      while (i < length && bytes[i] === src[at + i]) i++;
      if (i === length) return cached.text;
    }
    const text = readUtf8(src, at, at + length);
    this.keys[slot] = { bytes: src.slice(at, at + length), text };
    return text;
  }

  /**
   * Python never sends ext types through kombu (`packb` raises on what would need one). The
   * standard timestamp (−1), which other msgpack libraries write for dates, is read as a `Date`;
   * any other ext type is refused rather than handed to a task as opaque bytes.
   */
  private readExt(length: number): Date {
    const type = this.view.getInt8(this.need(1));
    const at = this.need(length);
    if (type !== -1) throw new DecodeError(`msgpack: unsupported ext type ${type}`);
    const view = this.view;
    let seconds: number;
    let nanos: number;
    if (length === 4) {
      seconds = view.getUint32(at);
      nanos = 0;
    } else if (length === 8) {
      const hi = view.getUint32(at);
      nanos = hi >>> 2;
      seconds = (hi & 0x3) * TWO_32 + view.getUint32(at + 4);
    } else if (length === 12) {
      nanos = view.getUint32(at);
      seconds = Number(view.getBigInt64(at + 4));
    } else {
      throw new DecodeError(`msgpack: timestamp ext of ${length} bytes (4, 8 or 12 expected)`);
    }
    const date = new Date(seconds * 1000 + Math.floor(nanos / 1e6));
    if (nanos > 999_999_999 || Number.isNaN(date.getTime())) {
      throw new DecodeError('msgpack: timestamp out of range');
    }
    return date;
  }
}
