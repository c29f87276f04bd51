/** Ack batching: `multiple=true` only when every earlier tag is settled, single acks otherwise. */
import type { Channel } from 'amqplib';
import { ConnectionError } from '@celerity/core';
import { describe, expect, it } from 'vitest';
import { AckTracker } from '../src/acks.js';

function fakeChannel(): { channel: Channel; calls: Array<[string, number, boolean]>; failing: { on: boolean } } {
  const calls: Array<[string, number, boolean]> = [];
  const failing = { on: false };
  const record = (kind: string) => (message: { fields: { deliveryTag: number } }, flag?: boolean) => {
    if (failing.on) throw new Error('Channel closed');
    calls.push([kind, message.fields.deliveryTag, flag === true]);
  };
  const channel = { ack: record('ack'), reject: record('reject') } as unknown as Channel;
  return { channel, calls, failing };
}

describe('AckTracker', () => {
  it('holds batched acks back while paused and sends them on resume; flush() still sends at once', async () => {
    const { channel, calls } = fakeChannel();
    const tracker = new AckTracker(channel);
    for (const tag of [1, 2, 3]) tracker.track(tag);
    const resume = tracker.pause();
    void tracker.ack(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(calls).toEqual([]);
    resume();
    expect(calls).toEqual([['ack', 1, true]]);
    const again = tracker.pause();
    void tracker.ack(2);
    tracker.flush();
    expect(calls).toEqual([['ack', 1, true], ['ack', 2, true]]);
    again();
  });

  it("counts unsettled deliveries per key (a consumer's tag) and reports each settle's key", async () => {
    const { channel } = fakeChannel();
    const settled: string[] = [];
    const tracker = new AckTracker(channel, (key) => settled.push(key));
    tracker.track(1, 'a');
    tracker.track(2, 'b');
    tracker.track(3, 'a');
    expect([tracker.outstandingOf('a'), tracker.outstandingOf('b'), tracker.outstandingOf('c')]).toEqual([2, 1, 0]);
    await tracker.ack(3);
    await tracker.reject(2, true);
    await tracker.ack(3);
    expect(settled).toEqual(['a', 'b']);
    expect([tracker.outstandingOf('a'), tracker.outstandingOf('b')]).toEqual([1, 0]);
    tracker.markDead();
    expect(tracker.outstandingOf('a')).toBe(0);
  });

  it('acks a run of settled tags with one multiple ack', async () => {
    const { channel, calls } = fakeChannel();
    const tracker = new AckTracker(channel);
    for (const tag of [1, 2, 3, 4]) tracker.track(tag);
    await Promise.all([tracker.ack(2), tracker.ack(1), tracker.ack(3)]);
    expect(calls).toEqual([['ack', 3, true]]);
    expect(tracker.outstanding).toBe(1);
  });

  it('acks one by one above the oldest unsettled tag', async () => {
    const { channel, calls } = fakeChannel();
    const tracker = new AckTracker(channel);
    for (const tag of [1, 2, 3, 4, 5]) tracker.track(tag);
    await Promise.all([tracker.ack(1), tracker.ack(3), tracker.ack(5)]);
    expect(calls).toEqual([
      ['ack', 1, true],
      ['ack', 3, false],
      ['ack', 5, false],
    ]);
    // Once 2 and 4 are settled nothing is left: a later run covers any range again.
    await tracker.reject(2, true);
    await tracker.ack(4);
    expect(calls.slice(3)).toEqual([
      ['reject', 2, true],
      ['ack', 4, true],
    ]);
  });

  it('sends rejections at once and ignores second settlements', async () => {
    const { channel, calls } = fakeChannel();
    const tracker = new AckTracker(channel);
    tracker.track(1);
    await tracker.reject(1, false);
    await tracker.ack(1);
    await tracker.reject(1, true);
    expect(calls).toEqual([['reject', 1, false]]);
  });

  it('fails settlements with ConnectionError once the channel is gone, without unhandled rejections', async () => {
    const { channel } = fakeChannel();
    const tracker = new AckTracker(channel);
    tracker.track(1);
    tracker.track(2);
    const pending = tracker.ack(1);
    tracker.markDead();
    await expect(pending).rejects.toBeInstanceOf(ConnectionError);
    await expect(tracker.ack(2)).rejects.toBeInstanceOf(ConnectionError);
    void tracker.reject(2, true);
  });

  it('reports a channel that throws while acking as lost', async () => {
    const { channel, failing } = fakeChannel();
    const tracker = new AckTracker(channel);
    tracker.track(1);
    failing.on = true;
    await expect(tracker.ack(1)).rejects.toBeInstanceOf(ConnectionError);
  });

  it('idle() resolves once everything is settled', async () => {
    const { channel } = fakeChannel();
    const tracker = new AckTracker(channel);
    tracker.track(1);
    let idle = false;
    const waiting = tracker.idle().then(() => {
      idle = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(idle).toBe(false);
    await tracker.ack(1);
    await waiting;
    expect(idle).toBe(true);
  });
});
