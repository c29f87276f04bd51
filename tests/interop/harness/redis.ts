/**
 * A private corner of the shared Redis for one test file: a random database 1–15 (an empty one
 * when there is one), unique names, and FLUSHDB of that database only when done. The server is
 * the shared one, or the version matrix's (`CELERITY_TEST_REDIS_URL`).
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { testRedisAddress } from '@celerity/testing/internal';

/** Options of {@link createRedisScratch}. */
export interface RedisScratchOptions {
  /** @default '127.0.0.1' (the host of `CELERITY_TEST_REDIS_URL` when set) */
  host?: string;
  /** @default 6379 (the port of `CELERITY_TEST_REDIS_URL` when set) */
  port?: number;
}

/** One `tasks.record` execution, as the Python and TypeScript tasks append it. */
export interface RecordEntry {
  tag: string;
  /** The node name of the worker that ran it. */
  worker: string;
  id: string;
  lang: 'py' | 'ts';
}

/** A claimed Redis database. */
export interface RedisScratch {
  readonly db: number;
  /** `redis://host:port/db`, for `BROKER_URL` / `RESULT_BACKEND`. */
  readonly url: string;
  /** Random token of this run (`celerity-test-<hex>`). */
  readonly token: string;
  /** A client on the database. */
  readonly client: Redis;
  /** A name unique to this run, e.g. for a queue: `celerity-test-<hex>-<label>`. */
  name(label: string): string;
  /** The entries `tasks.record` appended to `key`. @default key 'celerity:records' */
  records(key?: string): Promise<RecordEntry[]>;
  /** Empties the database and disconnects. Safe to call twice. */
  cleanup(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

const CLAIM = 'celerity-test-claim';

function shuffled<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
  return items;
}

function isRecordEntry(value: unknown): value is RecordEntry {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.tag === 'string' && typeof v.worker === 'string' && typeof v.id === 'string';
}

/**
 * Claims a Redis database for this test file. Prefers an empty database so concurrent runs rarely share one.
 * @example
 * const redis = await createRedisScratch();
 * afterAll(() => redis.cleanup());
 * const env = { BROKER_URL: redis.url, QUEUE: redis.name('q') };
 */
export async function createRedisScratch(options: RedisScratchOptions = {}): Promise<RedisScratch> {
  const shared = testRedisAddress();
  const host = options.host ?? shared.host;
  const port = options.port ?? shared.port;
  const token = `celerity-test-${randomBytes(6).toString('hex')}`;
  const candidates = shuffled(Array.from({ length: 15 }, (_, i) => i + 1));
  let db = candidates[0]!;
  for (const candidate of candidates) {
    const probe = new Redis({ host, port, db: candidate, lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await probe.connect().catch((error: Error) => {
        throw new Error(`Redis at ${host}:${port} does not answer (${error.message}); run scripts/services.sh`);
      });
      // NX: whoever claims an empty database first keeps it; a later prober sees it taken.
      if ((await probe.dbsize()) === 0 && (await probe.set(CLAIM, token, 'EX', 3600, 'NX')) === 'OK') {
        db = candidate;
        break;
      }
    } finally {
      probe.disconnect();
    }
  }
  const client = new Redis({ host, port, db, maxRetriesPerRequest: 3 });
  let done = false;
  const cleanup = async () => {
    if (done) return;
    done = true;
    try {
      await client.flushdb();
    } finally {
      client.disconnect();
    }
  };
  return {
    db,
    url: `redis://${host}:${port}/${db}`,
    token,
    client,
    name: (label) => `${token}-${label}`,
    records: async (key = 'celerity:records') => {
      const raw = await client.lrange(key, 0, -1);
      return raw.map((entry) => JSON.parse(entry) as unknown).filter(isRecordEntry);
    },
    cleanup,
    [Symbol.asyncDispose]: cleanup,
  };
}
