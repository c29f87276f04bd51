/**
 * Writing a channel's queued frames to the socket now. amqplib queues every frame a channel sends
 * (our `basic.ack`s too) in a per-channel buffer that its multiplexer copies to the socket one
 * `setImmediate` later. When a task body that blocks the event loop starts in between, the acks
 * wait until it returns; a crash meanwhile redelivers messages whose tasks are done. So after a
 * batch of acks this moves what the channel queued straight to the socket, in order (frames are
 * whole objects; the multiplexer later finds the buffer empty), unless the socket is applying
 * backpressure, in which case amqplib's own schedule stays in charge.
 *
 * This reads amqplib internals (`connection.channels[ch].buffer`, `connection.stream`,
 * `connection.muxer.blocked`) of the exact version this package pins (2.3.1); when they are not
 * there, nothing happens and amqplib writes the frames on its own schedule as before.
 */
import type { Channel } from 'amqplib';

interface FrameBuffer {
  read(): unknown;
}

interface ConnectionInternals {
  channels?: Array<{ buffer?: FrameBuffer } | null>;
  stream?: { write(chunk: unknown): boolean; writable?: boolean };
  muxer?: { blocked?: boolean };
}

/** Writes the frames `channel` has queued to its connection's socket now; see the module comment. */
export function writeQueuedFrames(channel: Channel): void {
  const internals = channel as unknown as { ch?: number; connection?: ConnectionInternals };
  const connection = internals.connection;
  const buffer = internals.ch === undefined ? undefined : connection?.channels?.[internals.ch]?.buffer;
  const socket = connection?.stream;
  if (buffer === undefined || socket === undefined || socket.writable === false || connection?.muxer?.blocked === true) return;
  for (let frame = buffer.read(); frame !== null; frame = buffer.read()) {
    if (!socket.write(frame)) return;
  }
}
