/**
 * Walks a JS value and writes it as msgpack that Python's `unpackb(raw=False)` reads back as the
 * obvious Python value. What has no Python counterpart is refused with an `EncodeError` instead of
 * being written as an ext type Python would hand to the task as an opaque `ExtType`.
 */
import { EncodeError } from '@celerity/core';
import { ByteSink } from './byte-sink.js';

/** How a `Date` is written: an ISO string Celery parses, or refused. */
export type DateEncoding = 'iso' | 'error';

/** Python's unpacker refuses more than 1024 nested containers; deeper cannot be read there. */
export const MAX_DEPTH = 1024;

/** `2026-11-23T18:46:42.215000+00:00`: the form Celery writes for its own dates. */
function formatDate(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new EncodeError('msgpack: cannot encode an invalid Date');
  return `${date.toISOString().slice(0, -1)}000+00:00`;
}

function describe(value: object): string {
  return Object.prototype.toString.call(value).slice(8, -1);
}

/** Encodes one value at a time; a serializer keeps one and reuses its slab. */
export class MsgpackEncoder extends ByteSink {
  private busy = false;

  constructor(private readonly dates: DateEncoding) {
    super();
  }

  /** Encodes `value`; throws `EncodeError` for anything Python's msgpack cannot carry. */
  encode(value: unknown): Uint8Array {
    // A user `toJSON` may itself call `encode`; it gets a writer of its own, not our half-written slab.
    if (this.busy) return new MsgpackEncoder(this.dates).encode(value);
    this.busy = true;
    this.begin();
    try {
      this.write(value, 0);
      return this.finish();
    } catch (error) {
      this.abandon();
      if (error instanceof EncodeError) throw error;
      // A throwing getter or toJSON: still an encode failure for the caller.
      const reason = error instanceof Error ? error.message : String(error);
      throw new EncodeError(`msgpack: ${reason}`, { cause: error });
    } finally {
      this.busy = false;
    }
  }

  private write(value: unknown, depth: number): void {
    switch (typeof value) {
      case 'string':
        return this.writeString(value);
      case 'number':
        return this.writeNumber(value);
      case 'boolean':
        return this.writeBoolean(value);
      case 'bigint':
        return this.writeBigInt(value);
      case 'undefined':
        // Reached for array elements and the top level only: None, as JSON.stringify writes null.
        return this.writeNil();
      case 'object':
        if (value === null) return this.writeNil();
        return this.writeObject(value, depth);
      default:
        throw new EncodeError(`msgpack: cannot encode a ${typeof value}`);
    }
  }

  private writeObject(value: object, depth: number): void {
    if (depth >= MAX_DEPTH) {
      throw new EncodeError(`msgpack: value nested deeper than ${MAX_DEPTH} levels (or cyclic)`);
    }
    if (Array.isArray(value)) return this.writeArray(value, depth + 1);
    const proto: unknown = Object.getPrototypeOf(value);
    const plain = proto === Object.prototype || proto === null;
    if (!plain) {
      // Before the toJSON check: Buffer and Date have one, and it is not what we write for them.
      if (value instanceof Uint8Array) return this.writeBin(value);
      if (value instanceof Date) {
        if (this.dates === 'error') throw new EncodeError('msgpack: cannot encode a Date (dates: "error")');
        return this.writeString(formatDate(value));
      }
      if (value instanceof Map) return this.writeMap(value, depth + 1);
    }
    const toJSON: unknown = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      const json: unknown = toJSON.call(value, '');
      if (json !== value) return this.write(json, depth + 1);
    }
    // Class instances go as their own enumerable properties, as JSON.stringify sends them; built-ins
    // that would lose their content that way (Set, RegExp, Error, other typed arrays…) are refused.
    if (plain || describe(value) === 'Object') return this.writeRecord(value, depth + 1);
    throw new EncodeError(`msgpack: cannot encode a ${describe(value)}`);
  }

  private writeArray(items: readonly unknown[], depth: number): void {
    const n = items.length;
    this.writeArrayHeader(n);
    for (let i = 0; i < n; i++) this.write(items[i], depth);
  }

  /** A plain object as a map; `undefined` properties are left out, as JSON.stringify leaves them. */
  private writeRecord(record: object, depth: number): void {
    const keys = Object.keys(record);
    const header = this.reserveMapHeader(keys.length);
    let count = 0;
    for (const key of keys) {
      const item: unknown = (record as Record<string, unknown>)[key];
      if (item === undefined) continue;
      this.writeString(key);
      this.write(item, depth);
      count++;
    }
    this.finishMapHeader(header, keys.length, count);
  }

  private writeMap(map: ReadonlyMap<unknown, unknown>, depth: number): void {
    const header = this.reserveMapHeader(map.size);
    let count = 0;
    for (const [key, item] of map) {
      if (typeof key !== 'string') {
        const type = key === null ? 'null' : typeof key === 'object' ? describe(key) : typeof key;
        throw new EncodeError(`msgpack: map keys must be strings (Python's strict_map_key), got a ${type}`);
      }
      if (item === undefined) continue;
      this.writeString(key);
      this.write(item, depth);
      count++;
    }
    this.finishMapHeader(header, map.size, count);
  }
}
