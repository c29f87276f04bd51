import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { BlockingReader } from '../src/blocking-reader.js';
import { deleteKeys } from '@celerity/testing';
import { REDIS_URL, inspector, randomPrefix } from './helpers.js';

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

describe('BlockingReader', () => {
  it('moves the next message (the oldest) into the in-flight list, never into the process alone', async () => {
    const reader = readerOn(1);
    const source = `${prefix}q`;
    const inflight = `${prefix}inflight`;
    await redis.lpush(source, 'first', 'second');
    expect(await reader.move(source, inflight)).toBe(true);
    expect(await redis.lrange(inflight, 0, -1)).toEqual(['first']);
    expect(await redis.lrange(source, 0, -1)).toEqual(['second']);
    expect(await reader.move(source, inflight)).toBe(true);
    // BLMOVE pushes on the left: the oldest is last, as the fetch script expects.
    expect(await redis.lrange(inflight, 0, -1)).toEqual(['second', 'first']);
    await reader.close();
  });

  it('returns false when the poll interval passes with nothing to move', async () => {
    const reader = readerOn(0.1);
    expect(await reader.move(`${prefix}empty`, `${prefix}inflight-empty`)).toBe(false);
    expect(await redis.exists(`${prefix}inflight-empty`)).toBe(0);
    await reader.close();
  });

  it('ends a move that is waiting when closed, and moves nothing after', async () => {
    const reader = readerOn(5);
    const source = `${prefix}closing`;
    const pending = reader.move(source, `${prefix}inflight-closing`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await reader.close();
    expect(await pending).toBe(false);
    expect(Date.now() - started).toBeLessThan(4_000);
    await redis.lpush(source, 'after');
    expect(await reader.move(source, `${prefix}inflight-closing`)).toBe(false);
    expect(await redis.lrange(source, 0, -1)).toEqual(['after']);
  });
});
