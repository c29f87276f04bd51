/**
 * basic.publish frames written by us, many messages per write. amqplib's `publish` builds each
 * message from scratch (an options object, the header table through a generic encoder, three
 * zeroed buffers copied into a fourth) and hands it to the channel's write buffer as one object,
 * which its multiplexer then writes to the socket alone: one socket write per message. Here the
 * method, content-header and body frames of each message are encoded straight into a shared chunk
 * and the chunk goes to the same write buffer in one piece (up to {@link CHUNK_BYTES}), so the
 * socket sees a few large writes. The bytes are the ones amqplib would write for the same
 * arguments (test/publish-frames.test.ts compares them with amqplib's own encoder).
 *
 * Anything this encoder does not handle exactly as amqplib does (an untyped number in a header,
 * a tag other than int / long / double / timestamp, `CC` / `BCC` / `persistent`, a string too long
 * for its field, a body bigger than one frame, a header table over amqplib's 64 KiB) is refused:
 * the caller flushes what is queued and publishes that message with `channel.publish`, which then
 * encodes it or throws the error it always threw. The order on the wire is the call order.
 *
 * This writes through amqplib internals of the exact version this package pins (2.3.1), as
 * channel-frames.ts does: `channel.ch`, `channel.connection.channels[ch].buffer`,
 * `connection.frameMax`, `connection.sentSinceLastCheck` and `channel.pushConfirmCallback` (the
 * confirm callback of each message, in publish order, as `publish` itself registers it). When they
 * are missing, {@link PublishFrameWriter.open} returns null and every publish goes through amqplib.
 * A channel that is closing (amqplib replaced its `sendMessage`) or gone takes nothing here either.
 *
 * Back-pressure: amqplib's channel write buffer counts objects (1,024 before `write` says "full");
 * each of ours is a chunk of up to {@link CHUNK_BYTES}, so a channel holds at most about 16 MiB
 * before the publisher waits for `drain`.
 */
import type { ConfirmChannel, Options } from 'amqplib';

/** Called once RabbitMQ acks (null) or nacks the message, or amqplib gives up on it (an error). */
export type ConfirmCallback = (error: unknown) => void;

interface ChannelWriteBuffer {
  write(chunk: Buffer): boolean;
}

interface ConnectionInternals {
  channels?: Array<{ channel: unknown; buffer: ChannelWriteBuffer } | null>;
  frameMax?: number;
  sentSinceLastCheck?: boolean;
}

interface ChannelInternals {
  ch?: unknown;
  connection?: ConnectionInternals;
  pushConfirmCallback?: (callback: ConfirmCallback | false) => void;
}

/** Largest chunk handed to the channel's write buffer at once. */
export const CHUNK_BYTES = 16 * 1024;
/** amqplib encodes a header table in a 64 KiB scratch buffer and throws past it. */
const HEADER_TABLE_LIMIT = 65536;
const FRAME_END = 0xce;
/** The message does not fit in what is left of the buffer. */
export const NO_ROOM = -1;
/** Not encoded here: amqplib must encode it (or throw its error). */
export const NOT_HERE = -2;

const INT32_MIN = -(2 ** 31);
const INT32_LIMIT = 2 ** 31;
const INT64_LIMIT = 2 ** 63;
const UINT64_LIMIT = 2 ** 64;

/** Strings up to this length are copied in a JS loop while they are ASCII: cheaper than a call into `Buffer#write`. */
const SHORT_ASCII = 48;

/** Writes `s` as UTF-8 at `offset` (the caller checked there is room for 3 bytes a unit); returns the bytes written. */
function writeUtf8(out: Buffer, offset: number, s: string): number {
  const length = s.length;
  if (length > SHORT_ASCII) return out.write(s, offset, 'utf8');
  for (let i = 0; i < length; i++) {
    const code = s.charCodeAt(i);
    // Not ASCII: start again with the UTF-8 encoder, which overwrites what the loop wrote.
    if (code > 0x7f) return out.write(s, offset, 'utf8');
    out[offset + i] = code;
  }
  return length;
}

/** Bytes of `s` as an AMQP short string (length octet + UTF-8) at `offset`; a negative code if not. */
function shortString(out: Buffer, offset: number, s: unknown): number {
  if (typeof s !== 'string') return NOT_HERE;
  // A UTF-16 unit is at most 3 bytes of UTF-8: checked before writing, so nothing is cut short.
  if (offset + 1 + 3 * s.length > out.length) return s.length > 255 ? NOT_HERE : NO_ROOM;
  const written = writeUtf8(out, offset + 1, s);
  if (written > 255) return NOT_HERE;
  out[offset] = written;
  return offset + 1 + written;
}

function typedValue(out: Buffer, offset: number, tag: unknown, value: unknown): number {
  if (offset + 9 > out.length) return NO_ROOM;
  switch (tag) {
    case 'int':
    case 'int32':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < INT32_MIN || value >= INT32_LIMIT) return NOT_HERE;
      out[offset] = 0x49; // I
      out.writeInt32BE(value, offset + 1);
      return offset + 5;
    case 'long':
    case 'int64': {
      const exact = typeof value === 'bigint' ? value : typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : undefined;
      if (exact === undefined || exact < -(2n ** 63n) || exact >= 2n ** 63n) return NOT_HERE;
      out[offset] = 0x6c; // l
      out.writeBigInt64BE(exact, offset + 1);
      return offset + 9;
    }
    case 'double':
    case 'float64':
      if (typeof value !== 'number') return NOT_HERE;
      out[offset] = 0x64; // d
      out.writeDoubleBE(value, offset + 1);
      return offset + 9;
    case 'timestamp':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value >= UINT64_LIMIT) return NOT_HERE;
      out[offset] = 0x54; // T
      out.writeBigUInt64BE(BigInt(value), offset + 1);
      return offset + 9;
    default:
      return NOT_HERE;
  }
}

/** One field value, tagged as amqplib's `encodeFieldValue` tags it (the cases it can reach from our typed tables). */
function fieldValue(out: Buffer, offset: number, value: unknown): number {
  switch (typeof value) {
    case 'string': {
      if (offset + 5 + 3 * value.length > out.length) return NO_ROOM;
      out[offset] = 0x53; // S
      const written = writeUtf8(out, offset + 5, value);
      out.writeUInt32BE(written, offset + 1);
      return offset + 5 + written;
    }
    case 'boolean':
      if (offset + 2 > out.length) return NO_ROOM;
      out[offset] = 0x74; // t
      out[offset + 1] = value ? 1 : 0;
      return offset + 2;
    case 'object': {
      if (offset + 5 > out.length) return NO_ROOM;
      if (value === null) {
        out[offset] = 0x56; // V
        return offset + 1;
      }
      if (Object.hasOwn(value, '!')) {
        const typed = value as { '!': unknown; value: unknown };
        return typedValue(out, offset, typed['!'], typed.value);
      }
      if (Array.isArray(value)) {
        out[offset] = 0x41; // A
        let at = offset + 5;
        for (let i = 0; i < value.length; i++) {
          at = fieldValue(out, at, value[i]);
          if (at < 0) return at;
        }
        out.writeUInt32BE(at - offset - 5, offset + 1);
        return at;
      }
      if (Buffer.isBuffer(value)) {
        if (offset + 5 + value.length > out.length) return NO_ROOM;
        out[offset] = 0x78; // x
        out.writeUInt32BE(value.length, offset + 1);
        out.set(value, offset + 5);
        return offset + 5 + value.length;
      }
      out[offset] = 0x46; // F
      return fieldTable(out, offset + 1, value as Record<string, unknown>);
    }
    default:
      // Untyped numbers, bigints and the rest: amqplib picks their tags; let it.
      return NOT_HERE;
  }
}

/** A field table (length-prefixed), keys in for-in order with `undefined` values left out, as amqplib does. */
function fieldTable(out: Buffer, offset: number, table: Record<string, unknown>): number {
  if (offset + 4 > out.length) return NO_ROOM;
  let at = offset + 4;
  for (const key in table) {
    const value = table[key];
    if (value === undefined) continue;
    at = shortString(out, at, key);
    if (at < 0) return at;
    at = fieldValue(out, at, value);
    if (at < 0) return at;
  }
  out.writeUInt32BE(at - offset - 4, offset);
  return at;
}

/** The delivery mode amqplib's `Args.publish` derives from the options. */
function deliveryModeOf(options: Options.Publish): unknown {
  if (typeof options.deliveryMode === 'number') return options.deliveryMode;
  return options.deliveryMode ? 2 : undefined;
}

function octet(out: Buffer, offset: number, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 255) return NOT_HERE;
  out[offset] = value;
  return offset + 1;
}

/**
 * The property list of a content header, in AMQP's order; returns the end offset (or a negative
 * code) and the property flags through `flags[0]`. Null and undefined are "absent", as in amqplib.
 */
function properties(out: Buffer, offset: number, options: Options.Publish, flags: Uint16Array): number {
  let bits = 0;
  let at = offset;
  let value: unknown = options.contentType;
  if (value != null) {
    bits |= 0x8000;
    if ((at = shortString(out, at, value)) < 0) return at;
  }
  if ((value = options.contentEncoding) != null) {
    bits |= 0x4000;
    if ((at = shortString(out, at, value)) < 0) return at;
  }
  // amqplib always sends a header table, empty when there are no headers.
  bits |= 0x2000;
  const tableStart = at;
  if ((at = fieldTable(out, at, options.headers ?? {})) < 0) return at;
  if (at - tableStart > HEADER_TABLE_LIMIT) return NOT_HERE;
  if (at + 2 > out.length) return NO_ROOM;
  if ((value = deliveryModeOf(options)) !== undefined) {
    bits |= 0x1000;
    if ((at = octet(out, at, value)) < 0) return at;
  }
  if ((value = options.priority) != null) {
    bits |= 0x0800;
    if ((at = octet(out, at, value)) < 0) return at;
  }
  if ((value = options.correlationId) != null) {
    bits |= 0x0400;
    if ((at = shortString(out, at, value)) < 0) return at;
  }
  if ((value = options.replyTo) != null) {
    bits |= 0x0200;
    if ((at = shortString(out, at, value)) < 0) return at;
  }
  if ((value = options.expiration) != null) {
    bits |= 0x0100;
    if ((at = shortString(out, at, value)) < 0) return at;
  }
  if ((value = options.messageId) != null) {
    bits |= 0x0080;
    if ((at = shortString(out, at, value)) < 0) return at;
  }
  if ((value = options.timestamp) != null) {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value >= INT64_LIMIT) return NOT_HERE;
    if (at + 8 > out.length) return NO_ROOM;
    bits |= 0x0040;
    out.writeBigUInt64BE(BigInt(value), at);
    at += 8;
  }
  if ((value = options.type) != null) {
    bits |= 0x0020;
    if ((at = shortString(out, at, value)) < 0) return at;
  }
  if ((value = options.userId) != null) {
    bits |= 0x0010;
    if ((at = shortString(out, at, value)) < 0) return at;
  }
  if ((value = options.appId) != null) {
    bits |= 0x0008;
    if ((at = shortString(out, at, value)) < 0) return at;
  }
  flags[0] = bits;
  return at;
}

const flagsOut = new Uint16Array(1);

/**
 * Encodes the frames amqplib's `ConfirmChannel.publish` writes for one message (method, content
 * header, body) into `out` at `offset`. Returns the offset after them, {@link NO_ROOM} when `out`
 * has too little room left, or {@link NOT_HERE} when amqplib must encode this message itself.
 * @example
 * const end = encodePublishFrames(chunk, 0, 1, 131072, '', 'celery', body, { contentType: 'application/json', headers });
 */
export function encodePublishFrames(
  out: Buffer,
  offset: number,
  channel: number,
  frameMax: number,
  exchange: string,
  routingKey: string,
  content: Buffer,
  options: Options.Publish,
): number {
  if (options.CC !== undefined || options.BCC !== undefined || options.persistent !== undefined || options.expiration !== undefined && typeof options.expiration !== 'string') return NOT_HERE;
  if (!Buffer.isBuffer(content) || content.length > frameMax - 8) return NOT_HERE;
  // Method frame: basic.publish (class 60, method 40), ticket 0, exchange, routing key, bits.
  if (offset + 13 > out.length) return NO_ROOM;
  out[offset] = 1;
  out.writeUInt16BE(channel, offset + 1);
  out.writeUInt32BE(0x003c0028, offset + 7);
  out.writeUInt16BE(0, offset + 11);
  let at = shortString(out, offset + 13, exchange);
  if (at < 0) return at;
  at = shortString(out, at, routingKey);
  if (at < 0) return at;
  if (at + 2 > out.length) return NO_ROOM;
  out[at] = options.mandatory ? 1 : 0;
  out[at + 1] = FRAME_END;
  out.writeUInt32BE(at + 1 - offset - 7, offset + 3);
  // Content header frame: class 60, weight 0, body size, property flags, properties.
  const header = at + 2;
  if (header + 21 > out.length) return NO_ROOM;
  out[header] = 2;
  out.writeUInt16BE(channel, header + 1);
  out.writeUInt32BE(0x003c0000, header + 7);
  // Body size, 64 bits: a Buffer is shorter than 2^32 bytes here (one frame).
  out.writeUInt32BE(0, header + 11);
  out.writeUInt32BE(content.length, header + 15);
  at = properties(out, header + 21, options, flagsOut);
  if (at < 0) return at;
  if (at + 1 > out.length) return NO_ROOM;
  out.writeUInt16BE(flagsOut[0]!, header + 19);
  out[at] = FRAME_END;
  out.writeUInt32BE(at - header - 7, header + 3);
  at += 1;
  // Body frame (none for an empty body, as amqplib).
  if (content.length === 0) return at;
  if (at + 8 + content.length > out.length) return NO_ROOM;
  out[at] = 3;
  out.writeUInt16BE(channel, at + 1);
  out.writeUInt32BE(content.length, at + 3);
  out.set(content, at + 7);
  at += 7 + content.length;
  out[at] = FRAME_END;
  return at + 1;
}

/**
 * Queues publishes on one confirm channel as frames in a shared chunk; see the module comment.
 * `append` takes a message or refuses it (false: flush, then `channel.publish` it); `flush` hands
 * what is queued to amqplib, calling `onFull` when amqplib's write buffer says it is full.
 */
export class PublishFrameWriter {
  #chunk = Buffer.allocUnsafe(CHUNK_BYTES);
  #start = 0;
  #offset = 0;
  #flushScheduled = false;
  readonly #flushSoon = (): void => {
    this.#flushScheduled = false;
    this.flush();
  };

  private constructor(
    readonly channel: ConfirmChannel,
    private readonly internals: Required<Pick<ChannelInternals, 'pushConfirmCallback'>> & { ch: number; connection: ConnectionInternals },
    /** Told when a flush finds amqplib's write buffer full (wait for the channel's `drain`). */
    private readonly onFull: () => void,
  ) {}

  /**
   * A writer for `channel`, or null when amqplib's internals are not the ones this file knows.
   * @example
   * const writer = PublishFrameWriter.open(channel, () => (mustDrain = true));
   */
  static open(channel: ConfirmChannel, onFull: () => void): PublishFrameWriter | null {
    const internals = channel as unknown as ChannelInternals;
    const connection = internals.connection;
    if (typeof internals.ch !== 'number' || typeof internals.pushConfirmCallback !== 'function') return null;
    if (connection === undefined || !Array.isArray(connection.channels) || typeof connection.frameMax !== 'number') return null;
    return new PublishFrameWriter(channel, { ch: internals.ch, connection, pushConfirmCallback: internals.pushConfirmCallback }, onFull);
  }

  /** amqplib's record of this channel while it can still send, else undefined. */
  #writeBuffer(): ChannelWriteBuffer | undefined {
    const { connection, ch } = this.internals;
    const record = connection.channels?.[ch];
    // A closing channel or connection has its `sendMessage` replaced by one that throws.
    if (record == null || record.channel !== this.channel || Object.hasOwn(this.channel, 'sendMessage') || Object.hasOwn(connection, 'sendMessage')) return undefined;
    return record.buffer;
  }

  /** Queues one message and registers its confirm callback; false when it must go through `channel.publish`. */
  append(exchange: string, routingKey: string, content: Buffer, options: Options.Publish, confirm: ConfirmCallback): boolean {
    if (this.#writeBuffer() === undefined) return false;
    const { ch, connection } = this.internals;
    const frameMax = connection.frameMax ?? 0;
    let end = encodePublishFrames(this.#chunk, this.#offset, ch, frameMax, exchange, routingKey, content, options);
    if (end === NO_ROOM && this.#offset > 0) {
      this.flush();
      this.#chunk = Buffer.allocUnsafe(CHUNK_BYTES);
      this.#start = this.#offset = 0;
      end = encodePublishFrames(this.#chunk, 0, ch, frameMax, exchange, routingKey, content, options);
    }
    if (end < 0) return false;
    this.#offset = end;
    this.internals.pushConfirmCallback.call(this.channel, confirm);
    // Nothing stays queued past this turn of the event loop, whoever forgets to flush.
    if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      queueMicrotask(this.#flushSoon);
    }
    return true;
  }

  /** Hands the queued frames to amqplib's write buffer (calls `onFull` when it is full). */
  flush(): void {
    if (this.#offset === this.#start) return;
    const bytes = this.#chunk.subarray(this.#start, this.#offset);
    this.#start = this.#offset;
    const buffer = this.#writeBuffer();
    // Gone since `append`: amqplib fails the unconfirmed callbacks of a closed channel itself.
    if (buffer === undefined) return;
    this.internals.connection.sentSinceLastCheck = true;
    if (!buffer.write(bytes)) this.onFull();
  }
}
