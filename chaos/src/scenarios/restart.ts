/**
 * Issue 12, item 2: the broker server is restarted mid-run, while tasks are being published (paced)
 * and consumed — either crashed (SIGKILL) or stopped in order (SIGTERM) — and started again on the
 * same port and data. The servers keep every write they acknowledged (Redis: AOF, fsync always when
 * crashed; RabbitMQ: durable queues, persistent messages, publisher confirms). RabbitMQ does not sync acks to
 * disk before a crash, so after a SIGKILL it redelivers some acked messages by design: the graceful
 * variant isolates what the clients do.
 */
import type { BrokerKind } from '../brokers.js';
import { runTasks } from '../run-tasks.js';
import type { Scenario } from './scenario.js';
import { brokerFor, queueName, settleFor } from './scenario.js';
import { progressPoints, workTasks } from './tasks.js';

/** The restart scenario for one broker and way of stopping it. */
export function restartScenario(broker: BrokerKind, mode: 'crash' | 'graceful'): Scenario {
  const name = `${mode === 'crash' ? 'crash' : 'restart'}:${broker}`;
  const server = broker === 'redis' ? 'Redis' : 'RabbitMQ';
  const how = mode === 'crash' ? 'SIGKILL' : 'SIGTERM';
  return {
    name,
    item: 2,
    summary: `${server} stopped (${how}) and started again mid-run while publishing and consuming; 2 workers, acks late`,
    async run(ctx) {
      const count = ctx.quick ? 2000 : 20_000;
      const rate = ctx.quick ? 400 : 1000;
      const restarts = ctx.quick ? 1 : 2;
      const visibilityTimeout = broker === 'redis' ? (ctx.quick ? 5 : 10) : undefined;
      const env = await brokerFor(broker, ctx, { crashable: mode === 'crash' });
      try {
        const points = progressPoints(ctx.random, restarts, count, 0.2, 0.7);
        const outcome = await runTasks({
          env,
          queue: queueName(name),
          dir: ctx.dir,
          workers: 2,
          acksLate: true,
          ...(visibilityTimeout !== undefined ? { visibilityTimeout } : {}),
          tasks: workTasks(count, 'r', ctx.random, 0, 10),
          rate,
          batch: 20,
          settleMs: settleFor(broker, visibilityTimeout),
          stuckMs: settleFor(broker, visibilityTimeout) + 30_000,
          async faults(run) {
            for (const point of points) {
              await run.untilCompleted(point);
              if (run.ended) return;
              const at = Date.now();
              const label = `${server} ${how} + start at ${run.completed()} done`;
              run.fault({ kind: 'restart', at, label });
              await env.restart(mode);
              run.fault({ kind: 'restart', at, until: Date.now(), label });
              ctx.log(`${server} back after ${((Date.now() - at) / 1000).toFixed(1)} s`);
            }
          },
        });
        return {
          name,
          broker,
          acks: 'late',
          parameters: {
            tasks: count,
            'publish rate /s': rate,
            workers: 2,
            concurrency: 10,
            'task ms': '0–10',
            restarts,
            stop: how,
            ...(visibilityTimeout !== undefined ? { 'visibility timeout s': visibilityTimeout } : {}),
          },
          outcome,
          notes: [],
        };
      } finally {
        await env.close();
      }
    },
  };
}
