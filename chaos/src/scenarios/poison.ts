/**
 * Issue 12, item 5 (first half): a poison task that SIGKILLs its own process every time it runs,
 * published among ordinary tasks, with acks late and the workers restarted whenever they die.
 * Counted: how often the poison ran (worker deaths) in the observation window, and whether the
 * ordinary tasks around it were lost, duplicated or starved.
 */
import type { BrokerKind } from '../brokers.js';
import type { TaskToSend } from '../producer.js';
import { runTasks } from '../run-tasks.js';
import type { Scenario } from './scenario.js';
import { brokerFor, queueName, settleFor } from './scenario.js';
import { workTasks } from './tasks.js';

/** The poison scenario for one broker. */
export function poisonScenario(broker: BrokerKind): Scenario {
  const name = `poison:${broker}`;
  return {
    name,
    item: 5,
    summary: 'one task that SIGKILLs its own process, among ordinary tasks; workers restarted when they die; acks late',
    async run(ctx) {
      const count = ctx.quick ? 500 : 2000;
      const rate = ctx.quick ? 100 : 200;
      const observeMs = ctx.quick ? 30_000 : 60_000;
      const visibilityTimeout = broker === 'redis' ? 5 : undefined;
      const env = await brokerFor(broker, ctx);
      try {
        const ordinary = workTasks(count, 'p', ctx.random, 0, 10);
        const poison: TaskToSend = { id: 'poison-1', task: 'chaos.poison', args: [] };
        const at = Math.floor(count / 5);
        const tasks = [...ordinary.slice(0, at), poison, ...ordinary.slice(at)];
        const outcome = await runTasks({
          env,
          queue: queueName(name),
          dir: ctx.dir,
          workers: 2,
          acksLate: true,
          ...(visibilityTimeout !== undefined ? { visibilityTimeout } : {}),
          tasks,
          poison: [poison.id],
          rate,
          batch: 10,
          // Watch the poison for a fixed window after the ordinary tasks are done (or given up on).
          settleMs: Math.max(observeMs, settleFor(broker, visibilityTimeout)),
          stuckMs: observeMs + 30_000,
        });
        const minutes = outcome.durationMs / 60_000;
        const deaths = outcome.deaths.length;
        return {
          name,
          broker,
          acks: 'late',
          parameters: { 'ordinary tasks': count, 'poison tasks': 1, 'publish rate /s': rate, workers: 2, concurrency: 10, 'restart delay s': 0.25, ...(visibilityTimeout !== undefined ? { 'visibility timeout s': visibilityTimeout } : {}) },
          outcome,
          notes: [
            `Poison: ran ${outcome.counts.poisonRuns} times in ${(outcome.durationMs / 1000).toFixed(0)} s (${(outcome.counts.poisonRuns / minutes).toFixed(1)} per minute); ${deaths} worker deaths; ` +
              `the poison message was ${outcome.counts.poisonDeadLettered > 0 ? 'in the dead-letter queue' : outcome.poisonInBroker[poison.id] ? 'still in the broker' : '**no longer in the broker**'} at the end.`,
          ],
          extra: { poisonRuns: outcome.counts.poisonRuns, workerDeaths: deaths },
        };
      } finally {
        await env.close();
      }
    },
  };
}
