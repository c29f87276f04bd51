/** Shared pieces of the integration tests: a unique key prefix per run, raw clients, cleanup. */
import { randomSuffix } from '@celerity/testing';
import { testRedisUrl } from '@celerity/testing/internal';
import { Redis } from 'ioredis';

/** Database 0 of the shared test Redis (or of the matrix's server: `CELERITY_TEST_REDIS_URL`). */
export const REDIS_URL = testRedisUrl(0);

/** A key prefix no other run uses (pub/sub channels are server-wide, so the prefix isolates those too). */
export function uniquePrefix(): string {
  return `celerity-test-${randomSuffix()}:`;
}

/** A plain client for checking what is on the wire. */
export function rawClient(url = REDIS_URL): Redis {
  return new Redis(url, { lazyConnect: false, maxRetriesPerRequest: 3 });
}

/** `CLIENT LIST` entries whose name is `name`, as field maps. */
export async function clientsNamed(client: Redis, name: string): Promise<Record<string, string>[]> {
  const list = (await client.client('LIST')) as string;
  return list
    .split('\n')
    .filter(Boolean)
    .map((line) => Object.fromEntries(line.trim().split(' ').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)])))
    .filter((fields) => fields['name'] === name);
}

/** Subscribers of a channel (server-wide). */
export async function subscriberCount(client: Redis, channel: string): Promise<number> {
  const reply = (await client.pubsub('NUMSUB', channel)) as [string, number];
  return Number(reply[1]);
}
