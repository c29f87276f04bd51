/**
 * Durable revokes on Redis: one sorted set, `<prefix>_celerity.revoked`, member = task id, score =
 * when the revoke lapses (ms since the epoch). Each add also trims lapsed members, so the set
 * never outgrows the revokes of the last `revokedExpires` seconds.
 */
import type { RedisClient } from '@celerity/redis-common/internal';
import type { Revocation, RevocationStore } from '@celerity/core';

/** The key of the revoked set for a key prefix. */
export function revokedKey(prefix: string): string {
  return `${prefix}_celerity.revoked`;
}

export function createRedisRevocations(options: { client: RedisClient; key: string; run<T>(what: string, op: () => Promise<T>): Promise<T>; now(): number }): RevocationStore {
  const { client, key, run } = options;
  return {
    async add(ids, expiresAt) {
      if (ids.length === 0) return;
      const members = ids.flatMap((id) => [expiresAt, id]);
      // GT: a later revoke of the same id never shortens it.
      await run('revoke', () => client.multi().zadd(key, 'GT', ...members).zremrangebyscore(key, '-inf', options.now()).exec());
    },
    async list(now) {
      const flat = await run('list revoked', () => client.zrangebyscore(key, `(${now}`, '+inf', 'WITHSCORES'));
      const out: Revocation[] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) out.push({ id: flat[i]!, expiresAt: Number(flat[i + 1]) });
      return out;
    },
  };
}
