/**
 * The common set-up of an interop test file on Redis: a scratch database, a Celerity worker with the
 * interop tasks on its own queue, a Python Celery worker on another, and a Celerity client — made
 * in `beforeAll` and closed in `afterAll` of the describe block it is called in.
 */
import { afterAll, beforeAll } from 'vitest';
import { createRedisBackend } from '@celerity/backend-redis';
import { createRedisBroker } from '@celerity/broker-redis';
import type { Client, ClientOptions } from '@celerity/client';
import { createClient } from '@celerity/client';
import type { Worker, WorkerOptions } from '@celerity/worker';
import { createWorker } from '@celerity/worker';
import { closeClient, closeWorker } from './closing.js';
import type { PythonCeleryVersion, PythonWorker } from './python.js';
import { startPythonWorker } from './python.js';
import type { RedisScratch } from './redis.js';
import { createRedisScratch } from './redis.js';
import * as interopTasks from '../ts-tasks.js';

/** What a file's tests use; set once `beforeAll` has run. */
export interface RedisFleet {
  redis: RedisScratch;
  /** `BROKER_URL` and `RESULT_BACKEND` for Python processes. */
  env: Record<string, string>;
  tsQueue: string;
  pyQueue: string;
  tsWorker: Worker;
  pyWorker: PythonWorker;
  client: Client;
}

/** Options of {@link useRedisFleet}. */
export interface RedisFleetOptions {
  /** Extra worker options (tasks default to the interop tasks). */
  tsWorker?: Partial<Omit<WorkerOptions, 'broker' | 'backend' | 'queues'>>;
  /** Extra client options. */
  client?: (fleet: Pick<RedisFleet, 'tsQueue' | 'pyQueue'>) => Partial<Omit<ClientOptions, 'broker' | 'backend'>>;
}

/**
 * Registers the hooks and returns the fleet they fill in.
 * @example
 * const fleet = useRedisFleet('5.2');
 * it('…', async () => { await fleet.client.send('tasks.add', [1, 2], { queue: fleet.pyQueue }); });
 */
export function useRedisFleet(version: PythonCeleryVersion, options: RedisFleetOptions = {}): RedisFleet {
  const fleet = {} as RedisFleet;
  beforeAll(async () => {
    fleet.redis = await createRedisScratch();
    const { redis } = fleet;
    fleet.tsQueue = redis.name('ts');
    fleet.pyQueue = redis.name('py');
    fleet.env = { BROKER_URL: redis.url, RESULT_BACKEND: redis.url };
    fleet.tsWorker = createWorker({
      tasks: interopTasks,
      hostname: `ts-${fleet.tsQueue}@celerity`,
      ...options.tsWorker,
      broker: createRedisBroker({ url: redis.url }),
      backend: createRedisBackend({ url: redis.url }),
      queues: [fleet.tsQueue],
    });
    await fleet.tsWorker.start();
    fleet.pyWorker = await startPythonWorker({ version, env: { ...fleet.env, QUEUE: fleet.pyQueue }, queues: [fleet.pyQueue] });
    fleet.client = createClient({ ...options.client?.(fleet), broker: createRedisBroker({ url: redis.url }), backend: createRedisBackend({ url: redis.url }) });
  }, 120_000);
  afterAll(async () => {
    await closeClient(fleet.client);
    await closeWorker(fleet.tsWorker);
    await fleet.pyWorker?.stop();
    await interopTasks.closeInteropTasks();
    await fleet.redis?.cleanup();
  }, 60_000);
  return fleet;
}
