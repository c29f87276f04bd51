/**
 * Test helpers that read AMQP field tables at the byte level, to see the *type tags* a message
 * carries (amqplib decodes `b`, `s` and `I` to the same JS number, py-amqp does not): a table
 * parser returning tags instead of values, a content-header frame scanner, and a tap on an amqplib
 * connection's socket.
 */
import type { ChannelModel } from 'amqplib';

/** Tags of a field table: a tag letter per scalar, arrays of those, nested tables as objects. */
export type TagTree = string | TagTree[] | { [key: string]: TagTree };

/** The tags of a field table given without its 4-byte length prefix. */
export function tagsOfTable(bytes: Buffer): Record<string, TagTree> {
  const out: Record<string, TagTree> = {};
  let offset = 0;
  while (offset < bytes.length) {
    const keyLength = bytes.readUInt8(offset);
    const key = bytes.toString('utf8', offset + 1, offset + 1 + keyLength);
    offset += 1 + keyLength;
    const [tags, next] = tagsOfValue(bytes, offset);
    out[key] = tags;
    offset = next;
  }
  return out;
}

const FIXED_SIZES: Record<string, number> = { t: 1, b: 1, B: 1, s: 2, u: 2, U: 2, I: 4, i: 4, l: 8, L: 8, f: 4, d: 8, D: 5, T: 8, V: 0 };

function tagsOfValue(bytes: Buffer, offset: number): [TagTree, number] {
  const tag = String.fromCharCode(bytes.readUInt8(offset));
  offset++;
  const fixed = FIXED_SIZES[tag];
  if (fixed !== undefined) return [tag, offset + fixed];
  const length = bytes.readUInt32BE(offset);
  offset += 4;
  const end = offset + length;
  if (tag === 'S' || tag === 'x') return [tag, end];
  if (tag === 'F') return [tagsOfTable(bytes.subarray(offset, end)), end];
  if (tag === 'A') {
    const items: TagTree[] = [];
    let at = offset;
    while (at < end) {
      const [item, next] = tagsOfValue(bytes, at);
      items.push(item);
      at = next;
    }
    return [items, end];
  }
  throw new Error(`Unknown field tag ${JSON.stringify(tag)}`);
}

/** The header tables (without length prefix) of every content-header frame in a byte stream, in order. */
export function headerTablesIn(stream: Buffer): Buffer[] {
  const tables: Buffer[] = [];
  let offset = 0;
  // Skip the 8-byte protocol header if the stream starts with it.
  if (stream.subarray(0, 4).toString('latin1') === 'AMQP') offset = 8;
  while (offset + 7 <= stream.length) {
    const type = stream.readUInt8(offset);
    const size = stream.readUInt32BE(offset + 3);
    if (offset + 7 + size + 1 > stream.length) break;
    const payload = stream.subarray(offset + 7, offset + 7 + size);
    offset += 7 + size + 1;
    if (type !== 2) continue;
    // class-id 2, weight 2, body size 8, property flags 2.
    const flags = payload.readUInt16BE(12);
    let at = 14;
    if (flags & 0x8000) at += 1 + payload.readUInt8(at); // content-type
    if (flags & 0x4000) at += 1 + payload.readUInt8(at); // content-encoding
    if (flags & 0x2000) {
      const length = payload.readUInt32BE(at);
      tables.push(Buffer.from(payload.subarray(at + 4, at + 4 + length)));
    }
  }
  return tables;
}

/** Records every byte an amqplib connection reads from its socket. */
export function tapConnection(model: ChannelModel): { bytes: () => Buffer } {
  const stream = (model.connection as unknown as { stream: { read: (size?: number) => Buffer | null } }).stream;
  const chunks: Buffer[] = [];
  const read = stream.read.bind(stream);
  stream.read = (size?: number) => {
    const chunk = read(size);
    if (chunk !== null) chunks.push(Buffer.from(chunk));
    return chunk;
  };
  return { bytes: () => Buffer.concat(chunks) };
}
