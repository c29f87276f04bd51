/**
 * After a batch of acks, the frames amqplib queued for the channel are written to the socket in
 * the same call, in order, instead of one `setImmediate` later by amqplib's multiplexer; with
 * amqplib's internals missing or the socket applying backpressure, amqplib keeps its own schedule.
 */
import { PassThrough } from 'node:stream';
import type { Channel } from 'amqplib';
import { describe, expect, it } from 'vitest';
import { AckTracker } from '../src/acks.js';
import { writeQueuedFrames } from '../src/channel-frames.js';

/** A channel shaped like amqplib 2.3.1's: `ack` queues a frame in the channel's object-mode buffer. */
function amqplibLikeChannel(options: { blocked?: boolean; accept?: number } = {}) {
  const buffer = new PassThrough({ objectMode: true });
  const written: string[] = [];
  let room = options.accept ?? Infinity;
  const connection = {
    channels: [null, { buffer }],
    stream: { writable: true, write: (frame: string) => (written.push(frame), --room > 0) },
    muxer: { blocked: options.blocked ?? false },
  };
  const channel = {
    ch: 1,
    connection,
    ack: (message: { fields: { deliveryTag: number } }, multiple?: boolean) => void buffer.write(`ack ${message.fields.deliveryTag}${multiple ? ' multiple' : ''}`),
    reject: (message: { fields: { deliveryTag: number } }) => void buffer.write(`reject ${message.fields.deliveryTag}`),
  } as unknown as Channel;
  return { channel, buffer, written };
}

describe('writing queued channel frames', () => {
  it('a flushed ack batch reaches the socket before flush() returns, after frames queued earlier', () => {
    const { channel, written } = amqplibLikeChannel();
    const tracker = new AckTracker(channel);
    for (const tag of [1, 2, 3, 4]) tracker.track(tag);
    void tracker.reject(4, true);
    void tracker.ack(1);
    void tracker.ack(3);
    expect(written).toEqual([]);
    tracker.flush();
    expect(written).toEqual(['reject 4', 'ack 1 multiple', 'ack 3']);
  });

  it('leaves the frames to amqplib when its multiplexer is blocked, or its internals are missing', () => {
    const blocked = amqplibLikeChannel({ blocked: true });
    blocked.channel.ack({ fields: { deliveryTag: 1 } } as never);
    writeQueuedFrames(blocked.channel);
    expect(blocked.written).toEqual([]);
    expect(blocked.buffer.read()).toBe('ack 1');
    expect(() => writeQueuedFrames({ ack: () => {} } as unknown as Channel)).not.toThrow();
  });

  it('stops at the first write the socket refuses more of, keeping the rest queued in order', () => {
    const { channel, buffer, written } = amqplibLikeChannel({ accept: 1 });
    for (const tag of [1, 2]) channel.ack({ fields: { deliveryTag: tag } } as never);
    writeQueuedFrames(channel);
    expect(written).toEqual(['ack 1']);
    expect(buffer.read()).toBe('ack 2');
  });
});
