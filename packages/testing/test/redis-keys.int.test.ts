import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { deleteKeys, randomSuffix, scanKeys } from '../src/index.js';

const redis = new Redis('redis://127.0.0.1:6379/0');
afterAll(() => redis.quit());

describe('scanKeys / deleteKeys', () => {
  it('find and delete exactly the keys matching a pattern, over several SCAN pages', async () => {
    const prefix = `celerity-test-${randomSuffix()}:`;
    const other = `celerity-test-${randomSuffix()}:`;
    const pipeline = redis.pipeline();
    for (let i = 0; i < 2500; i++) pipeline.set(`${prefix}${i}`, 'x');
    pipeline.set(`${other}keep`, 'x');
    await pipeline.exec();
    const found = await scanKeys(redis, `${prefix}*`, 100);
    expect(new Set(found).size).toBe(2500);
    expect(found.every((key) => key.startsWith(prefix))).toBe(true);
    expect(await deleteKeys(redis, `${prefix}*`)).toBe(2500);
    expect(await scanKeys(redis, `${prefix}*`)).toEqual([]);
    expect(await redis.exists(`${other}keep`)).toBe(1);
    expect(await deleteKeys(redis, `${other}*`)).toBe(1);
  });
});
