import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { startRedisServer } from '@celerity/testing';
import { defineScript, runScript } from '../src/internal.js';

/** Runs `test` against a private server: SCRIPT FLUSH on the shared one would empty every other run's script cache. */
async function withRedis(test: (redis: Redis) => Promise<void>): Promise<void> {
  await using server = await startRedisServer();
  const redis = new Redis(server.url);
  try {
    await test(redis);
  } finally {
    redis.disconnect();
  }
}

const ECHO = defineScript('echo', "redis.call('SET', KEYS[1], ARGV[1]) return {KEYS[1], ARGV[1], #ARGV}");
const FAIL = defineScript('fail', "return redis.call('INCR', KEYS[1])");

describe('runScript', () => {
  it('runs a script by SHA, with string or Buffer replies', () =>
    withRedis(async (redis) => {
      expect(ECHO.sha).toMatch(/^[0-9a-f]{40}$/);
      expect(await runScript(redis, ECHO, ['k'], ['v', 2])).toEqual(['k', 'v', 2]);
      expect(await runScript(redis, ECHO, ['k'], [Buffer.from([0xff, 0x00])], true)).toEqual([Buffer.from('k'), Buffer.from([0xff, 0x00]), 1]);
      expect(await redis.getBuffer('k')).toEqual(Buffer.from([0xff, 0x00]));
    }));

  it('after SCRIPT FLUSH (a restart), runs it with EVAL, which caches it again', () =>
    withRedis(async (redis) => {
      await runScript(redis, ECHO, ['k'], ['first']);
      await redis.script('FLUSH');
      expect(await redis.script('EXISTS', ECHO.sha)).toEqual([0]);
      expect(await runScript(redis, ECHO, ['k'], ['again'])).toEqual(['k', 'again', 1]);
      expect(await redis.script('EXISTS', ECHO.sha)).toEqual([1]);
    }));

  it('passes other errors through', () =>
    withRedis(async (redis) => {
      await redis.set('text', 'not a number');
      await expect(runScript(redis, FAIL, ['text'], [])).rejects.toThrow(/not an integer/);
    }));
});
