/**
 * Issue 12, item 1: two workers, one of them SIGKILLed at a random moment (a random point of
 * progress), five times in a run; the killed worker is started again at once, as a service
 * manager would. Acks late (nothing may be lost), or early (tasks running in the killed process
 * may be lost — Celery's own definition — and are counted apart). Tasks are published while the
 * workers run, at about half their capacity, so the workers take messages both ways: fetched in
 * batches while there is a backlog, and one at a time with BRPOP (Redis) when idle.
 */
import { sleep } from '@celerity/testing/internal';
import type { BrokerKind } from '../brokers.js';
import { randomInt } from '../random.js';
import { runTasks } from '../run-tasks.js';
import type { Scenario } from './scenario.js';
import { brokerFor, queueName, settleFor } from './scenario.js';
import { progressPoints, workTasks } from './tasks.js';

const KILLS = 5;

/** The kill scenario for one broker and ack mode. */
export function killScenario(broker: BrokerKind, acks: 'late' | 'early'): Scenario {
  const name = `kill-${acks}:${broker}`;
  return {
    name,
    item: 1,
    summary: `2 workers, one SIGKILLed at a random moment ${KILLS} times (restarted at once), acks ${acks}`,
    async run(ctx) {
      const count = ctx.quick ? 2000 : 20_000;
      const rate = ctx.quick ? 400 : 1000;
      const visibilityTimeout = broker === 'redis' ? (ctx.quick ? 5 : 10) : undefined;
      const env = await brokerFor(broker, ctx);
      try {
        const tasks = workTasks(count, 'k', ctx.random, 0, 20);
        const points = progressPoints(ctx.random, KILLS, count, 0.05, 0.85);
        const outcome = await runTasks({
          env,
          queue: queueName(name),
          dir: ctx.dir,
          workers: 2,
          acksLate: acks === 'late',
          ...(visibilityTimeout !== undefined ? { visibilityTimeout } : {}),
          tasks,
          rate,
          batch: 20,
          settleMs: settleFor(broker, visibilityTimeout),
          stuckMs: settleFor(broker, visibilityTimeout) + 20_000,
          async faults(run) {
            for (const point of points) {
              await run.untilCompleted(point);
              if (run.ended) return;
              // A random worker that is up; if the other is still being replaced, the one left.
              let slot = randomInt(ctx.random, 0, 1);
              if (!run.pool.isUp(slot)) slot = 1 - slot;
              while (!run.pool.isUp(slot) && !run.ended) await sleep(50);
              const at = Date.now();
              const pid = run.pool.kill(slot);
              if (pid === undefined) continue;
              run.fault({ kind: 'kill', at, pid, label: `SIGKILL w${slot + 1} (pid ${pid}) at ${run.completed()} done` });
              ctx.log(`killed w${slot + 1} (pid ${pid}) at ${run.completed()}/${count} completed`);
            }
          },
        });
        return {
          name,
          broker,
          acks,
          parameters: { tasks: count, 'publish rate /s': rate, workers: 2, concurrency: 10, 'task ms': '0–20', kills: KILLS, ...(visibilityTimeout !== undefined ? { 'visibility timeout s': visibilityTimeout } : {}) },
          outcome,
          notes: [],
        };
      } finally {
        await env.close();
      }
    },
  };
}
