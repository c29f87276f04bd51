/**
 * The raw floors' consumer: Lua calls that store finished results and pop the next job(s) in the
 * same round trip, and one shared blocking connection for when the list is empty.
 */
import { Redis } from 'ioredis';
import { RAW_RESULT_PREFIX } from '../systems/raw-ioredis.js';
import type { RawJob } from '../systems/raw-ioredis.js';
import type { BenchWorker } from './protocol.js';

// ARGV: count to pop, then (result key, value, reply channel) triples to store first.
const STORE_AND_POP = `
for i = 2, #ARGV, 3 do
  redis.call('SET', ARGV[i], ARGV[i + 1])
  if ARGV[i + 2] ~= '' then redis.call('PUBLISH', ARGV[i + 2], ARGV[i] .. '=' .. ARGV[i + 1]) end
end
local n = tonumber(ARGV[1])
if n == 0 then return {} end
if n == 1 then
  local item = redis.call('RPOP', KEYS[1])
  if item then return { item } end
  return {}
end
return redis.call('RPOP', KEYS[1], n) or {}
`;

type StoreAndPop = (queue: string, count: number, ...acks: string[]) => Promise<string[]>;

const add = async (x: number, y: number): Promise<number> => x + y;

/** Options of {@link createRawWorker}. */
export interface RawWorkerOptions {
  redisUrl: string;
  queue: string;
  concurrency: number;
  /** Jobs popped per Lua call: 1 (one call per job, `concurrency` loops) or more (one loop). */
  batch: number;
}

/**
 * @example
 * const worker = await createRawWorker({ redisUrl, queue: 'bench', concurrency: 10, batch: 100 });
 * await worker.start();
 */
export async function createRawWorker(options: RawWorkerOptions): Promise<BenchWorker> {
  const redis = new Redis(options.redisUrl);
  const blocking = new Redis(options.redisUrl);
  redis.defineCommand('storeAndPop', { numberOfKeys: 1, lua: STORE_AND_POP });
  const storeAndPop = (redis as unknown as { storeAndPop: StoreAndPop }).storeAndPop.bind(redis);
  await Promise.all([redis.ping(), blocking.ping()]);
  let processed = 0;
  let running = false;
  const loops: Promise<void>[] = [];

  // Idle loops wait here; one BRPOP at a time serves them all.
  const idle: Array<(item: string | null) => void> = [];
  let blocked = false;
  const pop = (): Promise<string | null> =>
    new Promise((resolve) => {
      idle.push(resolve);
      if (blocked) return;
      blocked = true;
      void (async () => {
        while (running && idle.length > 0) {
          const got = await blocking.brpop(options.queue, 1).catch(() => null);
          if (got) idle.shift()!(got[1]);
        }
        for (const waiter of idle.splice(0)) waiter(null);
        blocked = false;
      })();
    });

  const run = async (item: string, acks: string[]): Promise<void> => {
    const job = JSON.parse(item) as RawJob;
    const value = await add(job.args[0], job.args[1]);
    acks.push(`${RAW_RESULT_PREFIX}${job.id}`, String(value), job.reply);
  };

  const loop = async (): Promise<void> => {
    let acks: string[] = [];
    while (running || acks.length > 0) {
      const items = await storeAndPop(options.queue, running ? options.batch : 0, ...acks);
      processed += acks.length / 3;
      acks = [];
      if (!running) break;
      if (items.length === 0) {
        const item = await pop();
        if (item !== null) items.push(item);
      }
      if (options.batch === 1 || options.concurrency === 1) {
        for (const item of items) await run(item, acks);
      } else {
        for (let i = 0; i < items.length; i += options.concurrency) await Promise.all(items.slice(i, i + options.concurrency).map((item) => run(item, acks)));
      }
    }
  };

  return {
    async start() {
      running = true;
      const count = options.batch === 1 ? options.concurrency : 1;
      for (let i = 0; i < count; i++) loops.push(loop());
    },
    processed: () => processed,
    async stop() {
      running = false;
      // Dropping the blocking socket wakes an idle BRPOP at once instead of after its timeout.
      blocking.disconnect();
      await Promise.all(loops);
      await redis.quit();
    },
  };
}
