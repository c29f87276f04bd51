/** What the bench reads from its Redis: memory held by keys, CPU used, commands processed. */
import type { Redis } from 'ioredis';

/** Sum of `MEMORY USAGE <key> SAMPLES 0` over every key of the current db (exact, not sampled). */
export async function keyspaceBytes(redis: Redis): Promise<number> {
  let cursor = '0';
  let total = 0;
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    if (keys.length === 0) continue;
    const pipeline = redis.pipeline();
    for (const key of keys) pipeline.memory('USAGE', key, 'SAMPLES', 0);
    for (const [error, bytes] of (await pipeline.exec()) ?? []) {
      if (!error && typeof bytes === 'number') total += bytes;
    }
  } while (cursor !== '0');
  return total;
}

/** Counters from `INFO`: CPU seconds of the server (user + system) and commands processed. */
export interface RedisCounters {
  cpuSeconds: number;
  commands: number;
}

function field(info: string, name: string): number {
  const match = new RegExp(`^${name}:([0-9.]+)`, 'm').exec(info);
  return match ? Number(match[1]) : Number.NaN;
}

/** Reads {@link RedisCounters}. */
export async function redisCounters(redis: Redis): Promise<RedisCounters> {
  const info = await redis.info();
  return { cpuSeconds: field(info, 'used_cpu_user') + field(info, 'used_cpu_sys'), commands: field(info, 'total_commands_processed') };
}

/** Empties the bench's own server (never the shared one: the bench only connects to its own). */
export async function flush(redis: Redis): Promise<void> {
  // Keys only: the script cache stays, as it would on a long-running server.
  await redis.flushall();
}

/** A numeric field of an `INFO` reply (`used_memory`, `used_cpu_sys`…); NaN when absent. */
export function infoNumber(info: string, name: string): number {
  return field(info, name);
}
