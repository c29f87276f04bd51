/**
 * The bench's check that a worker's events were published and can be read, at little CPU: a raw
 * socket subscribed to kombu's `celeryev` channels of db 0 (`PSUBSCRIBE /0.celeryev/*`). It counts
 * the `pmessage` replies by reading only the RESP lines around each message and stepping over its
 * bulk strings by their lengths (it never scans or copies a message's body), and keeps only the
 * first 256 KiB heard since the last {@link EventMonitor.reset} as a sample. {@link EventMonitor.sampled}
 * reads the sample's first whole message as a consumer would: kombu's envelope, its base64 body, a
 * JSON event or list of events. Receiving the messages still costs the bench's process 2–4 µs of
 * CPU per task at concurrency 100 on the cores the worker and Redis measured share (an ioredis
 * subscriber cost as much: the socket reads dominate), so the features part listens through its
 * untimed runs only (features/scenario.ts).
 */
import { connect, type Socket } from 'node:net';

const HEAD = Buffer.from('*4\r\n$8\r\npmessage\r\n', 'latin1');
const SAMPLE_BYTES = 256 * 1024;

/** What {@link EventMonitor.sampled} read from the first whole message of the sample. */
export interface SampledEvents {
  channel: string;
  /** The `type` of each event in the message. */
  types: string[];
}

/** The `type` of each event of a JSON event or list of events; throws when one has none. */
export function eventTypesOf(json: string, where: string): string[] {
  const body = JSON.parse(json) as unknown;
  const events = Array.isArray(body) ? (body as unknown[]) : [body];
  const types = events.map((event) => (typeof event === 'object' && event !== null ? (event as { type?: unknown }).type : undefined));
  if (types.length === 0 || !types.every((type): type is string => typeof type === 'string')) throw new Error(`an event without a type on ${where}`);
  return types;
}

/** See the module comment. */
export class EventMonitor {
  /** Event messages heard since the last reset. */
  heard = 0;
  /** Bytes heard since the last reset. */
  bytes = 0;
  private sample: Buffer[] = [];
  private sampleBytes = 0;
  // The RESP reader: the start of a line cut by the end of a chunk, and the bytes of a bulk string
  // (with its CRLF) still to step over.
  private line = '';
  private skip = 0;

  private constructor(private readonly socket: Socket) {}

  /** Connects to `redisUrl`'s host and port and subscribes; resolves once Redis confirmed. */
  static async start(redisUrl: string): Promise<EventMonitor> {
    const url = new URL(redisUrl);
    const socket = connect({ host: url.hostname, port: Number(url.port || 6379) });
    const monitor = new EventMonitor(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.write('*2\r\n$10\r\nPSUBSCRIBE\r\n$13\r\n/0.celeryev/*\r\n');
        // The confirmation (`*3\r\n$10\r\npsubscribe\r\n…`) comes before any message.
        socket.once('data', (chunk: Buffer) => {
          if (!chunk.toString('latin1').includes('psubscribe')) reject(new Error(`PSUBSCRIBE refused: ${chunk.toString('latin1').slice(0, 200)}`));
          else resolve();
          socket.on('data', (more: Buffer) => monitor.hear(more));
        });
      });
    });
    socket.on('error', () => {});
    return monitor;
  }

  /** Forgets what was heard. */
  reset(): void {
    this.heard = 0;
    this.bytes = 0;
    this.sample = [];
    this.sampleBytes = 0;
  }

  /**
   * Reads the sample's first whole `task.multi` message (a worker sends `worker-online` and
   * heartbeats alone); throws when there is none or it is not Celery events.
   */
  sampled(): SampledEvents {
    const data = Buffer.concat(this.sample);
    let at = 0;
    const bulk = (): Buffer => {
      const end = data.indexOf('\r\n', at);
      if (data[at] !== 0x24 || end < 0) throw new Error('the sample has no whole task.multi message');
      const length = Number(data.toString('latin1', at + 1, end));
      const value = data.subarray(end + 2, end + 2 + length);
      if (value.length < length) throw new Error('the sample has no whole task.multi message');
      at = end + 2 + length + 2;
      return value;
    };
    for (let start = data.indexOf(HEAD); start >= 0; start = data.indexOf(HEAD, at)) {
      at = start + HEAD.length;
      bulk();
      const channel = bulk().toString('latin1');
      const message = bulk();
      if (!channel.endsWith('/task.multi')) continue;
      const envelope = JSON.parse(message.toString('utf8')) as { body?: unknown; properties?: { body_encoding?: unknown } };
      // As kombu reads it: a base64 body, or with no body_encoding the body string as it stands.
      const encoding = envelope.properties?.body_encoding;
      if (typeof envelope.body !== 'string' || (encoding !== 'base64' && encoding !== undefined)) throw new Error(`not a kombu envelope with a base64 or text body on ${channel}`);
      const body = encoding === 'base64' ? Buffer.from(envelope.body, 'base64').toString('utf8') : envelope.body;
      return { channel, types: eventTypesOf(body, channel) };
    }
    throw new Error('no task.multi message in the sample');
  }

  close(): void {
    this.socket.destroy();
  }

  private hear(chunk: Buffer): void {
    this.bytes += chunk.length;
    if (this.sampleBytes < SAMPLE_BYTES) {
      this.sample.push(Buffer.from(chunk));
      this.sampleBytes += chunk.length;
    }
    let at = 0;
    while (at < chunk.length) {
      if (this.skip > 0) {
        const step = Math.min(this.skip, chunk.length - at);
        this.skip -= step;
        at += step;
        continue;
      }
      const end = chunk.indexOf(0x0a, at);
      if (end < 0) {
        this.line += chunk.toString('latin1', at);
        return;
      }
      let line = this.line + chunk.toString('latin1', at, end);
      if (line.endsWith('\r')) line = line.slice(0, -1);
      this.line = '';
      at = end + 1;
      // `*4`: a pmessage (pattern, channel, message); `*3` is a subscribe reply. `$n`: a bulk string.
      if (line === '*4') this.heard++;
      else if (line.startsWith('$')) this.skip = Math.max(0, Number(line.slice(1))) + 2;
    }
  }
}
