/**
 * Issue 12, item 5 (second half): garbage pushed straight into the queue among ordinary tasks —
 * envelopes no worker can run (bad body, missing headers, unknown task, refused content type,
 * broken ETA…) and bytes that are no envelope at all — before publishing and again half-way.
 * Nothing of it may run, no worker may die, and every ordinary task must still complete.
 */
import type { BrokerKind } from '../brokers.js';
import { publishGarbageEnvelopes, pushRawGarbage } from '../garbage.js';
import { runTasks } from '../run-tasks.js';
import type { Scenario } from './scenario.js';
import { brokerFor, queueName } from './scenario.js';
import { workTasks } from './tasks.js';

/** The garbage scenario for one broker. */
export function garbageScenario(broker: BrokerKind): Scenario {
  const name = `garbage:${broker}`;
  return {
    name,
    item: 5,
    summary: 'undecodable envelopes and raw non-envelope bytes pushed into the queue before and during the run; acks late',
    async run(ctx) {
      const count = ctx.quick ? 500 : 5000;
      const queue = queueName(name);
      const env = await brokerFor(broker, ctx);
      let pushed = 0;
      const push = async (tag: string): Promise<void> => {
        const broker = env.openBroker();
        try {
          await broker.connect();
          await broker.declareQueue(queue);
          pushed += await publishGarbageEnvelopes(broker, queue, tag);
        } finally {
          await broker.close();
        }
        pushed += await pushRawGarbage(env, queue);
      };
      try {
        const outcome = await runTasks({
          env,
          queue,
          dir: ctx.dir,
          workers: 2,
          acksLate: true,
          tasks: workTasks(count, 'g', ctx.random, 0, 5),
          rate: ctx.quick ? 250 : 1000,
          batch: 50,
          beforeProducing: () => push('a'),
          async faults(run) {
            await run.untilCompleted(Math.floor(count / 2));
            if (!run.ended) await push('b');
          },
          settleMs: 3000,
          stuckMs: 30_000,
        });
        return {
          name,
          broker,
          acks: 'late',
          parameters: { 'ordinary tasks': count, 'garbage messages': pushed, workers: 2, concurrency: 10 },
          outcome,
          notes: [
            `Garbage: ${pushed} messages pushed; ${outcome.counts.unexpected} of them ran; ${outcome.deaths.length} worker deaths; messages left in the broker at the end: ${outcome.queueLeft ?? 'unknown'}.`,
          ],
          extra: { garbagePushed: pushed },
        };
      } finally {
        await env.close();
      }
    },
  };
}
