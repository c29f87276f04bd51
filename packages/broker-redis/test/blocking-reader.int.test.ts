import { randomUUID } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { BlockingReader } from '../src/blocking-reader.js';
import { deleteKeys } from '@celerity/testing';
import { REDIS_URL, inspector, randomPrefix } from './helpers.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

const redis = inspector();
const prefix = randomPrefix();

afterAll(async () => {
  await deleteKeys(redis, `${prefix}*`);
  await redis.quit();
});

function readerOn(pollInterval: number): BlockingReader {
  const connectionName = `celerity-blocking-${randomUUID()}`;
  return new BlockingReader({ client: redis, pollInterval, createBlockingClient: () => new Redis(REDIS_URL, { connectionName }) });
}

/** Pops one item and returns a weak reference to its bytes (no strong one stays in this frame). */
async function popWeakly(reader: BlockingReader, key: string, expected: string): Promise<WeakRef<object>> {
  const item = await reader.pop([key]);
  expect(item?.raw.toString()).toBe(expected);
  expect(item?.more).toBe(false);
  return new WeakRef(item!.raw);
}

async function collected(ref: WeakRef<object>): Promise<boolean> {
  for (let i = 0; i < 5 && ref.deref() !== undefined; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  return ref.deref() === undefined;
}

describe('BlockingReader', () => {
  it('keeps nothing of a popped item once the caller lets go of it', async () => {
    const reader = readerOn(1);
    const key = `${prefix}q`;
    let ref: WeakRef<object> | undefined;
    for (let i = 0; i < 3; i++) {
      await redis.lpush(key, `message ${i}`);
      ref = await popWeakly(reader, key, `message ${i}`);
    }
    // A race against a promise that outlives the pops kept every reply (and its bytes) reachable.
    expect(await collected(ref!)).toBe(true);
    await reader.close();
  });

  it('tells whether more waits behind the popped item', async () => {
    const reader = readerOn(1);
    const key = `${prefix}more`;
    await redis.lpush(key, 'a', 'b');
    expect(await reader.pop([key])).toMatchObject({ key, more: true });
    expect(await reader.pop([key])).toMatchObject({ key, more: false });
    await reader.close();
  });

  it('ends a pop that is waiting when closed', async () => {
    const reader = readerOn(5);
    const pending = reader.pop([`${prefix}empty`]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await reader.close();
    expect(await pending).toBeUndefined();
    expect(Date.now() - started).toBeLessThan(4_000);
  });
});
