/**
 * Issue 12, item 2, from the producer's side: a client publishing as fast as the broker takes it
 * (publishes always in flight, RabbitMQ confirms outstanding) while the broker is stopped (SIGTERM)
 * and started again. The producer runs in its own process with a heartbeat, so a client whose event
 * loop stops turning is seen (and reported) rather than freezing the harness.
 */
import type { BrokerKind } from '../brokers.js';
import { runTasks } from '../run-tasks.js';
import type { Scenario } from './scenario.js';
import { brokerFor, queueName, settleFor } from './scenario.js';
import { workTasks } from './tasks.js';

/** The flat-out publishing restart scenario for one broker. */
export function publishRestartScenario(broker: BrokerKind): Scenario {
  const name = `publish-restart:${broker}`;
  const server = broker === 'redis' ? 'Redis' : 'RabbitMQ';
  return {
    name,
    item: 2,
    summary: `${server} stopped (SIGTERM) and started again while a client publishes flat out (no pacing); 2 workers, acks late`,
    async run(ctx) {
      const count = ctx.quick ? 20_000 : 50_000;
      const visibilityTimeout = broker === 'redis' ? 10 : undefined;
      const env = await brokerFor(broker, ctx);
      try {
        const outcome = await runTasks({
          env,
          queue: queueName(name),
          dir: ctx.dir,
          workers: 2,
          acksLate: true,
          ...(visibilityTimeout !== undefined ? { visibilityTimeout } : {}),
          tasks: workTasks(count, 'f', ctx.random, 0, 0),
          batch: 100,
          settleMs: settleFor(broker, visibilityTimeout),
          stuckMs: settleFor(broker, visibilityTimeout) + 30_000,
          async faults(run) {
            // Early enough that the producer is still publishing (it outpaces the two workers).
            await run.untilCompleted(Math.floor(count * 0.03));
            if (run.ended) return;
            const at = Date.now();
            const label = `${server} SIGTERM + start at ${run.completed()} done`;
            run.fault({ kind: 'restart', at, label });
            await env.restart('graceful');
            run.fault({ kind: 'restart', at, until: Date.now(), label });
            ctx.log(`${server} back after ${((Date.now() - at) / 1000).toFixed(1)} s`);
          },
        });
        return {
          name,
          broker,
          acks: 'late',
          parameters: { tasks: count, 'publish rate': 'flat out', 'batch': 100, workers: 2, concurrency: 10, 'task ms': 0, stop: 'SIGTERM', ...(visibilityTimeout !== undefined ? { 'visibility timeout s': visibilityTimeout } : {}) },
          outcome,
          // Whether the producer's event loop stopped is reported for every scenario (see report/markdown.ts).
          notes: [],
          extra: { producerBlocked: outcome.producer.blockedSince !== undefined },
        };
      } finally {
        await env.close();
      }
    },
  };
}
