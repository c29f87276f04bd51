/**
 * msgpack's primitive formats written into a pooled slab, each exactly as Python's
 * `msgpack.packb(obj, use_bin_type=True)` writes it: the smallest int format, float64 for every
 * float, str8 for short strings, `bin` for bytes. Hand-written rather than msgpackr's Packr, which
 * writes integers ≥ 2^32 as float64 (Python would receive a float) and every bigint as int64.
 */
import { EncodeError } from '@celerity/core';
import { writeUtf8 } from './utf8.js';

const SLAB_SIZE = 64 * 1024;
const TWO_32 = 4294967296;
const TWO_63 = 9223372036854775808;
const TWO_64 = 18446744073709551616;
const BIG_TWO_32 = 4294967296n;
const BIG_MIN_INT32 = -2147483648n;
const BIG_MIN_INT64 = -9223372036854775808n;
const BIG_TWO_64 = 18446744073709551616n;
const NodeBuffer = typeof Buffer === 'function' ? Buffer : undefined;

/**
 * Values are written one after another into a shared slab and handed out as views of it, as Node
 * pools small `Buffer`s, so a small message costs no ArrayBuffer allocation of its own.
 */
export class ByteSink {
  protected buf!: Uint8Array;
  /** `buf` as a Node Buffer (same memory), for its native UTF-8 writer. */
  private native: Buffer | undefined;
  protected view!: DataView;
  protected pos = 0;
  /** Where the value being written starts in `buf`. */
  protected start = 0;

  constructor() {
    this.allocate(SLAB_SIZE);
  }

  /** Starts a new value after the previous one. */
  protected begin(): void {
    this.start = this.pos;
  }

  /** Returns the value written since {@link begin}. */
  protected finish(): Uint8Array {
    const out = new Uint8Array(this.buf.buffer, this.buf.byteOffset + this.start, this.pos - this.start);
    // A slab grown for one big value is not kept to pin it under the small ones that follow.
    if (this.buf.length > SLAB_SIZE || this.buf.length - this.pos < 1024) this.allocate(SLAB_SIZE);
    return out;
  }

  /** Drops a half-written value. */
  protected abandon(): void {
    this.pos = this.start;
  }

  private allocate(size: number): void {
    this.native = NodeBuffer?.allocUnsafeSlow(size);
    this.buf = this.native ?? new Uint8Array(size);
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
    this.pos = 0;
    this.start = 0;
  }

  /** Makes room for `n` more bytes, moving the value written so far to a bigger slab if needed. */
  protected ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const old = this.buf;
    const from = this.start;
    const written = this.pos - from;
    this.allocate(Math.max(SLAB_SIZE, (written + n) * 2));
    this.buf.set(old.subarray(from, from + written), 0);
    this.pos = written;
  }

  protected writeNil(): void {
    this.ensure(1);
    this.buf[this.pos++] = 0xc0;
  }

  protected writeBoolean(value: boolean): void {
    this.ensure(1);
    this.buf[this.pos++] = value ? 0xc3 : 0xc2;
  }

  protected writeNumber(n: number): void {
    this.ensure(9);
    const buf = this.buf;
    if (Number.isInteger(n)) {
      if (n >= 0) {
        // -0 lands here and is written as int 0, as JSON would.
        if (n < 0x80) {
          buf[this.pos++] = n;
          return;
        }
        if (n < 0x100) {
          buf[this.pos++] = 0xcc;
          buf[this.pos++] = n;
          return;
        }
        if (n < 0x10000) {
          buf[this.pos++] = 0xcd;
          this.view.setUint16(this.pos, n);
          this.pos += 2;
          return;
        }
        if (n < TWO_32) {
          buf[this.pos++] = 0xce;
          this.view.setUint32(this.pos, n);
          this.pos += 4;
          return;
        }
        if (n < TWO_64) {
          buf[this.pos++] = 0xcf;
          this.writeInt64Parts(n);
          return;
        }
      } else {
        if (n >= -0x20) {
          buf[this.pos++] = n & 0xff;
          return;
        }
        if (n >= -0x80) {
          buf[this.pos++] = 0xd0;
          this.view.setInt8(this.pos++, n);
          return;
        }
        if (n >= -0x8000) {
          buf[this.pos++] = 0xd1;
          this.view.setInt16(this.pos, n);
          this.pos += 2;
          return;
        }
        if (n >= -0x80000000) {
          buf[this.pos++] = 0xd2;
          this.view.setInt32(this.pos, n);
          this.pos += 4;
          return;
        }
        if (n >= -TWO_63) {
          buf[this.pos++] = 0xd3;
          this.writeInt64Parts(n);
          return;
        }
      }
      // Integral but beyond 64 bits: only a float can carry it (Python would raise on such an int).
    }
    buf[this.pos++] = 0xcb;
    this.view.setFloat64(this.pos, n);
    this.pos += 8;
  }

  /** Big-endian two's complement of an integral double in the 64-bit range, without BigInt. */
  private writeInt64Parts(n: number): void {
    const hi = Math.floor(n / TWO_32);
    const lo = n - hi * TWO_32;
    this.view.setUint32(this.pos, hi >>> 0);
    this.view.setUint32(this.pos + 4, lo);
    this.pos += 8;
  }

  protected writeBigInt(n: bigint): void {
    if (n >= 0n) {
      if (n < BIG_TWO_32) return this.writeNumber(Number(n));
      if (n >= BIG_TWO_64) throw new EncodeError(`msgpack: bigint ${n} does not fit in uint64`);
      this.ensure(9);
      this.buf[this.pos++] = 0xcf;
      this.view.setBigUint64(this.pos, n);
    } else {
      if (n >= BIG_MIN_INT32) return this.writeNumber(Number(n));
      if (n < BIG_MIN_INT64) throw new EncodeError(`msgpack: bigint ${n} does not fit in int64`);
      this.ensure(9);
      this.buf[this.pos++] = 0xd3;
      this.view.setBigInt64(this.pos, n);
    }
    this.pos += 8;
  }
  protected writeString(s: string): void {
    const length = s.length;
    this.ensure(5 + length * 3);
    // The byte length is at least the UTF-16 length, so the header can only grow from this guess.
    const guess = length < 0x20 ? 1 : length < 0x100 ? 2 : length < 0x10000 ? 3 : 5;
    const at = this.pos;
    const n = writeUtf8(this.buf, at + guess, s, this.native);
    const header = n < 0x20 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5;
    if (header !== guess) this.buf.copyWithin(at + header, at + guess, at + guess + n);
    const buf = this.buf;
    if (header === 1) {
      buf[at] = 0xa0 | n;
    } else if (header === 2) {
      buf[at] = 0xd9; // str8: Python writes it since use_bin_type=True (the old raw format had none)
      buf[at + 1] = n;
    } else if (header === 3) {
      buf[at] = 0xda;
      this.view.setUint16(at + 1, n);
    } else {
      buf[at] = 0xdb;
      this.view.setUint32(at + 1, n);
    }
    this.pos = at + header + n;
  }

  protected writeBin(bytes: Uint8Array): void {
    const n = bytes.length;
    this.ensure(5 + n);
    if (n < 0x100) {
      this.buf[this.pos++] = 0xc4;
      this.buf[this.pos++] = n;
    } else if (n < 0x10000) {
      this.buf[this.pos++] = 0xc5;
      this.view.setUint16(this.pos, n);
      this.pos += 2;
    } else {
      this.buf[this.pos++] = 0xc6;
      this.view.setUint32(this.pos, n);
      this.pos += 4;
    }
    this.buf.set(bytes, this.pos);
    this.pos += n;
  }

  protected writeArrayHeader(n: number): void {
    this.ensure(5);
    if (n < 0x10) {
      this.buf[this.pos++] = 0x90 | n;
    } else if (n < 0x10000) {
      this.buf[this.pos++] = 0xdc;
      this.view.setUint16(this.pos, n);
      this.pos += 2;
    } else {
      this.buf[this.pos++] = 0xdd;
      this.view.setUint32(this.pos, n);
      this.pos += 4;
    }
  }

  /** Leaves room for the header of a map of up to `size` entries; returns its offset in the value. */
  protected reserveMapHeader(size: number): number {
    this.ensure(5);
    const at = this.pos - this.start; // relative: `ensure` may move the value to a new slab
    this.pos += mapHeaderSize(size);
    return at;
  }

  /** Writes the header for the `count` entries actually written, closing the gap if it is smaller. */
  protected finishMapHeader(at: number, reserved: number, count: number): void {
    const abs = this.start + at;
    const room = mapHeaderSize(reserved);
    const size = mapHeaderSize(count);
    if (size < room) {
      this.buf.copyWithin(abs + size, abs + room, this.pos);
      this.pos -= room - size;
    }
    if (size === 1) {
      this.buf[abs] = 0x80 | count;
    } else if (size === 3) {
      this.buf[abs] = 0xde;
      this.view.setUint16(abs + 1, count);
    } else {
      this.buf[abs] = 0xdf;
      this.view.setUint32(abs + 1, count);
    }
  }
}

function mapHeaderSize(entries: number): number {
  return entries < 0x10 ? 1 : entries < 0x10000 ? 3 : 5;
}
