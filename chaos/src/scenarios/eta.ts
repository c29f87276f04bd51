/**
 * Issue 12, item 4: ETA tasks due later than the visibility timeout (Redis: 2 s, countdowns 5–25 s),
 * held unacked by the workers until due, and both workers SIGKILLed (one after the other, each
 * restarted at once) while holding them. Every task should still run exactly once when due;
 * on Redis a visibility timeout shorter than the ETA makes the restore pass hand held messages out
 * again, so they may run more than once even without a kill.
 */
import { sleep } from '@celerity/testing/internal';
import type { BrokerKind } from '../brokers.js';
import { runTasks } from '../run-tasks.js';
import type { Scenario } from './scenario.js';
import { brokerFor, queueName, settleFor } from './scenario.js';
import { workTasks } from './tasks.js';

/** The ETA scenario for one broker. */
export function etaScenario(broker: BrokerKind): Scenario {
  const name = `eta-kill:${broker}`;
  return {
    name,
    item: 4,
    summary: `ETA tasks (countdown 5–15 s quick, 5–25 s full${broker === 'redis' ? ', visibility timeout 2 s' : ''}); each of the 2 workers SIGKILLed once while holding them; acks late`,
    async run(ctx) {
      const count = ctx.quick ? 100 : 1000;
      // Past the visibility timeout and past a restore pass (every 10 s), as a real ETA would be.
      const maxCountdown = ctx.quick ? 15 : 25;
      const visibilityTimeout = broker === 'redis' ? 2 : undefined;
      const env = await brokerFor(broker, ctx);
      try {
        const tasks = workTasks(count, 'e', ctx.random, 0, 10, () => 5 + Math.round(ctx.random() * (maxCountdown - 5) * 10) / 10);
        const outcome = await runTasks({
          env,
          queue: queueName(name),
          dir: ctx.dir,
          workers: 2,
          acksLate: true,
          ...(visibilityTimeout !== undefined ? { visibilityTimeout } : {}),
          tasks,
          settleMs: settleFor(broker, visibilityTimeout),
          stuckMs: settleFor(broker, visibilityTimeout) + 30_000,
          async faults(run) {
            await run.untilProduced();
            // Let both workers start and take their share of the held ETA messages (none is due before 5 s).
            for (const [slot, delay] of [
              [0, 2500],
              [1, 1000],
            ] as const) {
              await sleep(delay);
              if (run.ended) return;
              while (!run.pool.isUp(slot) && !run.ended) await sleep(50);
              const at = Date.now();
              const pid = run.pool.kill(slot);
              if (pid === undefined) continue;
              run.fault({ kind: 'kill', at, pid, label: `SIGKILL w${slot + 1} (pid ${pid}) holding ETA tasks` });
              ctx.log(`killed w${slot + 1} (pid ${pid})`);
            }
          },
        });
        return {
          name,
          broker,
          acks: 'late',
          parameters: { 'ETA tasks': count, 'countdown s': `5–${maxCountdown}`, workers: 2, concurrency: 10, kills: 2, ...(visibilityTimeout !== undefined ? { 'visibility timeout s': visibilityTimeout } : {}) },
          outcome,
          notes: [],
        };
      } finally {
        await env.close();
      }
    },
  };
}
