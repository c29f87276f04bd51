/**
 * The features part's worker child end to end on a private Redis: it takes its ETA tasks before the
 * clock, wakes on the `MOVE` of the staged tasks, and reports what it held and the spans it made.
 * Correctness of the harness, never timings.
 */
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer } from '@celerity/testing/redis';
import type { RedisServer } from '@celerity/testing/redis';
import { FEATURE_ENV, HELD_ENV, POOL_ENV, REPORT_KEY, STAGE_DB } from '../src/features/plan.js';
import type { FeatureChildReport, FeatureName } from '../src/features/plan.js';
import { onDb, sendAdds } from '../src/features/stage.js';
import { countKeys } from '../src/system.js';
import { eventTypesOf } from '../src/events/event-monitor.js';
import { startWorkerProcess } from '../src/worker-process.js';

let server: RedisServer;
let redis: Redis;

beforeAll(async () => {
  server = await startRedisServer();
  redis = new Redis(server.url);
});

afterAll(async () => {
  redis?.disconnect();
  await server?.stop();
});

async function runFeature(feature: FeatureName, held: number, jobs: number): Promise<FeatureChildReport> {
  await redis.flushall();
  if (held > 0) await sendAdds(server.url, 'bench', held, { eta: new Date(Date.now() + 86_400_000) });
  await sendAdds(onDb(server.url, STAGE_DB), 'bench', jobs);
  Object.assign(process.env, { [FEATURE_ENV]: feature, [POOL_ENV]: 'async', [HELD_ENV]: String(held) });
  let worker;
  try {
    worker = await startWorkerProcess('celerity-features.ts');
  } finally {
    for (const key of [FEATURE_ENV, POOL_ENV, HELD_ENV]) delete process.env[key];
  }
  await using _ = worker;
  const run = await worker.run({ redisUrl: server.url, queue: 'bench', concurrency: 10, expect: jobs });
  expect(run.processed).toBeGreaterThanOrEqual(jobs);
  expect(await countKeys(redis, 'celery-task-meta-*')).toBe(jobs);
  return JSON.parse((await redis.get(REPORT_KEY)) ?? 'null') as FeatureChildReport;
}

describe('celerity-features worker child', () => {
  it('holds its ETA tasks from before the clock to the end, and runs only the staged tasks', async () => {
    const report = await runFeature('eta-held', 50, 200);
    expect(report).toMatchObject({ processed: 200, scheduledAtGo: 50, scheduledAtEnd: 50, spans: 0, childrenCpuUs: 0 });
    expect(report.redisCpuUs).toBeGreaterThan(0);
  });

  it('exports one span per task with tracing on, none in the baseline', async () => {
    expect((await runFeature('tracing', 0, 100)).spans).toBe(100);
    const baseline = await runFeature('baseline', 0, 100);
    expect(baseline).toMatchObject({ spans: 0, eventMessages: 0, eventSample: null });
  });

  it('counts the event messages the events row published and keeps its first task.multi list', async () => {
    const report = await runFeature('events', 0, 100);
    expect(report.eventMessages).toBeGreaterThan(0);
    const types = eventTypesOf(report.eventSample ?? 'null', 'the sample');
    expect(types[0]).toBe('task-received');
  });
});
