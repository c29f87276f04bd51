/** The control: the same workers and tasks with no fault at all. Anything but 0 lost / 0 duplicated here is a harness or worker bug. */
import type { BrokerKind } from '../brokers.js';
import { runTasks } from '../run-tasks.js';
import type { Scenario } from './scenario.js';
import { brokerFor, queueName } from './scenario.js';
import { workTasks } from './tasks.js';

/** The no-fault scenario for one broker. */
export function baselineScenario(broker: BrokerKind, sizes: { quick: number; full: number } = { quick: 1000, full: 5000 }): Scenario {
  const name = `baseline:${broker}`;
  return {
    name,
    item: 0,
    summary: 'no fault (control): 2 workers, acks late',
    async run(ctx) {
      const count = ctx.quick ? sizes.quick : sizes.full;
      const env = await brokerFor(broker, ctx);
      try {
        const outcome = await runTasks({
          env,
          queue: queueName(name),
          dir: ctx.dir,
          workers: 2,
          acksLate: true,
          tasks: workTasks(count, 'b', ctx.random, 0, 5),
          settleMs: 2000,
          stuckMs: 30_000,
        });
        return { name, broker, acks: 'late', parameters: { tasks: count, workers: 2, concurrency: 10, 'task ms': '0–5' }, outcome, notes: [] };
      } finally {
        await env.close();
      }
    },
  };
}
