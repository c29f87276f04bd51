/**
 * The harness end to end against real `celerity worker` processes and a private Redis, at small
 * sizes: a run without faults counts nothing lost or duplicated; a duplicate and a drop injected on
 * purpose are counted as such; the kill scenario's faults and deaths are what it did.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { redisEnv } from '../src/brokers.js';
import type { BrokerEnv } from '../src/brokers.js';
import type { TaskToSend } from '../src/producer.js';
import { runTasks } from '../src/run-tasks.js';
import { baselineScenario } from '../src/scenarios/baseline.js';
import { killScenario } from '../src/scenarios/kill.js';
import { workTasks } from '../src/scenarios/tasks.js';
import { testContext } from './helpers.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0).reverse()) await fn();
});

describe('scenarios on a private Redis', () => {
  it('a run without faults: everything completes, nothing lost or duplicated', async () => {
    const ctx = testContext();
    cleanup.push(ctx.cleanup);
    const result = await baselineScenario('redis', { quick: 300, full: 300 }).run(ctx);
    const { counts } = result.outcome;
    expect(counts).toMatchObject({ sent: 300, publishFailed: 0, completed: 300, lost: 0, duplicated: 0, unexpected: 0 });
    expect(result.outcome.endedBy).toBe('settled');
    expect(result.outcome.deaths).toEqual([]);
    expect(result.outcome.queueLeft).toBe(0);
  });

  it('counts a task published twice as duplicated and a task that never runs as lost', async () => {
    const ctx = testContext();
    cleanup.push(ctx.cleanup);
    const env: BrokerEnv = await redisEnv();
    cleanup.push(() => env.close());
    const tasks: TaskToSend[] = [
      ...workTasks(100, 'n', ctx.random, 0, 2),
      // The same id published again: it runs twice.
      { id: 'n-7', task: 'chaos.work', args: [0] },
      // Due in an hour: sent, but no worker will run it during the test.
      { id: 'dropped', task: 'chaos.work', args: [0], countdown: 3600 },
    ];
    const outcome = await runTasks({ env, queue: 'chaos-test', dir: ctx.dir, workers: 2, acksLate: true, tasks, settleMs: 1000, stuckMs: 3000 });
    expect(outcome.producer.errors).toEqual([]);
    expect(outcome.counts).toMatchObject({ sent: 101, completed: 100, lost: 1, lostNeverStarted: 1, lostStillQueued: 1, duplicated: 1, duplicatedAfterDone: 1 });
    expect(outcome.counts.lostSamples.map((s) => s.id)).toEqual(['dropped']);
    expect(outcome.counts.duplicatedSamples).toEqual([{ id: 'n-7', runs: 2 }]);
    expect(outcome.endedBy).toBe('stuck');
  });

  it('the kill scenario kills five times and counts those deaths', async () => {
    const ctx = testContext();
    cleanup.push(ctx.cleanup);
    const result = await killScenario('redis', 'late').run(ctx);
    const { counts, faults, deaths } = result.outcome;
    expect(faults.filter((f) => f.kind === 'kill')).toHaveLength(5);
    expect(deaths.map((d) => d.cause)).toEqual(Array(5).fill('killed by harness'));
    expect(new Set(deaths.map((d) => d.pid))).toEqual(new Set(faults.map((f) => f.pid)));
    // Every sent task is accounted for, whatever the worker did.
    expect(counts.completed + counts.lost).toBe(counts.sent);
    expect(result.outcome.workerStarts).toBeGreaterThanOrEqual(7);
  });
});
