/**
 * The Python peer and the latency peers end to end on a private Redis: correctness of the harness
 * (release and count, stamps, clean shutdown), never timings. The Python cases are skipped when the
 * system's Python cannot import Celery.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer } from '@celerity/testing/redis';
import type { RedisServer } from '@celerity/testing/redis';
import { QUICK } from '../src/config.js';
import { monotonicMs } from '../src/latency/clock.js';
import { openBullmqPeer, openCelerityPeer, openPythonPeer } from '../src/latency/peers.js';
import type { OpenLatencyPeer } from '../src/latency/peers.js';
import { treeUsage } from '../src/python-peer/proc-tree.js';
import { pythonCeleryVersion, startPythonWorker } from '../src/python-peer/python-worker.js';
import { fillStaging, releaseAndTime } from '../src/python-peer/release.js';
import type { ScenarioContext } from '../src/scenarios/context.js';
import { countKeys } from '../src/system.js';

let server: RedisServer;
let redis: Redis;
const python = await pythonCeleryVersion();

beforeAll(async () => {
  server = await startRedisServer();
  redis = new Redis(server.url);
});

afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

const context = (): ScenarioContext => ({ config: QUICK, target: { redisUrl: server.url, queue: 'bench' }, redis, systems: [], log: () => undefined, errors: [], workerExecArgv: [] });

describe.skipIf(!('celery' in python))('Python Celery worker', () => {
  it('takes a filled list handed over by RENAME, stores every result, counts its pool children, and stops cleanly', async () => {
    await redis.flushall();
    const worker = await startPythonWorker({ app: 'plain_app', redisUrl: server.url, queue: 'py', pool: 'prefork', concurrency: 2 });
    try {
      const usage = await treeUsage(worker.pid);
      expect(usage?.peakRssBytes).toBeGreaterThan(3 * 10 * 2 ** 20); // main process and two children
      await fillStaging(server.url, 'py', 'tasks.add', 50);
      expect(await redis.llen('py-staging')).toBe(50);
      const ms = await releaseAndTime(redis, server.url, 'py', 50, 30_000);
      expect(ms).toBeGreaterThan(0);
      expect(await countKeys(redis, 'celery-task-meta-*')).toBe(50);
      expect(await redis.llen('py')).toBe(0);
    } finally {
      await worker.stop();
    }
  }, 60_000);
});

// Python Celery's threads pool took from 1.5 s to 22 s for 300 tasks on a busy machine: it gets fewer.
describe.each<[string, OpenLatencyPeer, boolean, number]>([
  ['celerity', openCelerityPeer, true, 200],
  ['bullmq', openBullmqPeer, true, 200],
  ['python-celery', openPythonPeer, 'celery' in python, 40],
])('latency peer %s', (_name, open, runs, jobs) => {
  it.skipIf(!runs)('measures a maximum, then answers stamped sends with a start between send and result', async () => {
    await redis.flushall();
    const peer = await open(context(), 4);
    try {
      expect(await peer.measureMax(jobs)).toBeGreaterThan(0);
      for (const x of [1, 2, 3]) {
        const sentAt = monotonicMs();
        const startedAt = await peer.send(x);
        const resultAt = monotonicMs();
        expect(startedAt).toBeGreaterThanOrEqual(sentAt);
        expect(startedAt).toBeLessThanOrEqual(resultAt);
      }
    } finally {
      await peer.close();
    }
  }, 60_000);
});
