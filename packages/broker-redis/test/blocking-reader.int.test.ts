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
  it('moves the next message (the oldest) into the in-flight list and runs the follow-up right after, in one round trip', async () => {
    const reader = readerOn(1);
    const source = `${prefix}q`;
    const inflight = `${prefix}inflight`;
    await redis.lpush(source, 'first', 'second');
    expect(await reader.move(source, inflight, (c) => c.lrange(inflight, 0, -1))).toEqual(['first']);
    expect(await redis.lrange(source, 0, -1)).toEqual(['second']);
    // BLMOVE pushes on the left: the oldest is last, as the fetch script expects.
    expect(await reader.move(source, inflight, (c) => c.lrange(inflight, 0, -1))).toEqual(['second', 'first']);
    await reader.close();
  });

  it('runs the follow-up when the poll interval passes with nothing to move', async () => {
    const reader = readerOn(0.1);
    expect(await reader.move(`${prefix}empty`, `${prefix}inflight-empty`, (c) => c.exists(`${prefix}inflight-empty`))).toBe(0);
    await reader.close();
  });

  it('ends a waiting move when closed (the follow-up still answers), and moves nothing after', async () => {
    const reader = readerOn(5);
    const source = `${prefix}closing`;
    const pending = reader.move(source, `${prefix}inflight-closing`, (c) => c.llen(source));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = Date.now();
    await reader.close();
    expect(await pending).toBe(0);
    expect(Date.now() - started).toBeLessThan(4_000);
    await redis.lpush(source, 'after');
    expect(await reader.move(source, `${prefix}inflight-closing`, (c) => c.llen(source))).toBeUndefined();
    expect(await redis.lrange(source, 0, -1)).toEqual(['after']);
  });
});
