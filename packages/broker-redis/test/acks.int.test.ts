import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { AckBatcher } from '../src/acks.js';
import { createKeyspace } from '../src/keys.js';
import { deleteKeys } from '@celerity/testing';
import { inspector, randomPrefix } from './helpers.js';

const redis = inspector();
const prefix = randomPrefix();
const keys = createKeyspace(prefix, 0);

afterEach(() => deleteKeys(redis, `${prefix}*`));
afterAll(() => redis.quit());

async function recordUnacked(tags: readonly string[]): Promise<void> {
  await redis.hset(keys.unacked, Object.fromEntries(tags.map((t) => [t, `["{}", "", "q"]`])));
  await redis.zadd(keys.unackedIndex, ...tags.flatMap((t) => ['1', t]));
}

describe('AckBatcher', () => {
  it('removes the unacked entries of acks made in one tick with one call, across the script\'s 256-tag chunks', async () => {
    const tags = Array.from({ length: 600 }, (_, i) => `tag-${i}`);
    const kept = ['kept-1', 'kept-2'];
    await recordUnacked([...tags, ...kept]);
    const acks = new AckBatcher(redis, keys, 5_000);
    await Promise.all(tags.map((tag) => acks.add(tag, 'q')));
    expect(await redis.hkeys(keys.unacked)).toEqual(expect.arrayContaining(kept));
    expect(await redis.hlen(keys.unacked)).toBe(2);
    expect(await redis.zrange(keys.unackedIndex, '0', '-1')).toEqual(kept);
  });

  it('holds the end-of-turn batch until released, then sends it; flush() is not held', async () => {
    await recordUnacked(['a', 'b']);
    const acks = new AckBatcher(redis, keys, 5_000);
    const release = acks.hold();
    const acked = acks.add('a', 'q');
    for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
    await redis.ping(); // a round trip: a batch written at the end of the turn would have landed
    expect(await redis.hexists(keys.unacked, 'a')).toBe(1);
    release();
    await acked;
    expect(await redis.hexists(keys.unacked, 'a')).toBe(0);
    expect(await redis.zscore(keys.unackedIndex, 'a')).toBeNull();

    const again = acks.hold();
    const flushed = acks.add('b', 'q');
    acks.flush();
    await flushed;
    expect(await redis.hlen(keys.unacked)).toBe(0);
    again();
  });

  it('gives a held batch to the holder that takes it, and sends nothing itself', async () => {
    await recordUnacked(['a']);
    const acks = new AckBatcher(redis, keys, 5_000);
    const release = acks.hold();
    void acks.add('a', 'q');
    await new Promise((resolve) => setImmediate(resolve));
    expect(acks.take(keys.unacked)?.tags).toEqual(['a']);
    release();
    await redis.ping();
    expect(await redis.hexists(keys.unacked, 'a')).toBe(1);
  });

  it('holds the acks made while a fetch is in flight until its reply: the next fetch takes them, or they go out at the end of that turn', async () => {
    await recordUnacked(['a', 'b', 'c']);
    const acks = new AckBatcher(redis, keys, 5_000);
    const turn = () => new Promise<void>((resolve) => setImmediate(resolve));
    acks.fetchSent();
    const a = acks.add('a', 'q');
    await turn();
    await turn();
    // Not written while the fetch is in flight.
    expect(await redis.hlen(keys.unacked)).toBe(3);
    // Its reply came and the consumer's next fetch took the batch: nothing is written for it here.
    acks.fetchSettled();
    const taken = acks.take(keys.unacked);
    expect(taken?.tags).toEqual(['a']);
    taken?.resolve();
    await a;
    await turn();
    expect(await redis.hlen(keys.unacked)).toBe(3);
    // No fetch took this one: it goes out at the end of the turn its reply came in.
    acks.fetchSent();
    const b = acks.add('b', 'q');
    await turn();
    expect(await redis.hlen(keys.unacked)).toBe(3);
    acks.fetchSettled();
    await b;
    expect(await redis.hkeys(keys.unacked)).toEqual(expect.arrayContaining(['a', 'c']));
    expect(await redis.hlen(keys.unacked)).toBe(2);
  });

  it('recovers when the server lost its script cache', async () => {
    await recordUnacked(['a', 'b']);
    await redis.script('FLUSH');
    const acks = new AckBatcher(redis, keys, 5_000);
    await Promise.all([acks.add('a', 'q'), acks.add('b', 'q')]);
    expect(await redis.hlen(keys.unacked)).toBe(0);
    expect(await redis.zcard(keys.unackedIndex)).toBe(0);
  });
});
