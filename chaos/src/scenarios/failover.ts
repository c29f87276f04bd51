/**
 * Issue 17: the Redis primary of a Sentinel topology is SIGKILLed mid-run, while tasks are being
 * published (paced) and consumed through `sentinel://` URLs, and Sentinel promotes a replica. Redis
 * replicates asynchronously, so publishes (and acks) the primary had not yet passed on are lost with
 * it; the durable variant has the producer `WAIT` for one replica after each publish
 * (`wait_replicas: 1`), so a publish it saw resolve must survive the failover.
 */
import { runTasks } from '../run-tasks.js';
import { sentinelEnv } from '../servers/sentinel.js';
import type { Scenario } from './scenario.js';
import { queueName, settleFor } from './scenario.js';
import { progressPoints, workTasks } from './tasks.js';
import { startRedisServer } from '@celerity/testing';

/** The failover scenario, with or without durable publishing. */
export function failoverScenario(durable: boolean): Scenario {
  const name = `${durable ? 'failover-durable' : 'failover'}:redis`;
  return {
    name,
    item: 17,
    summary: `Sentinel: the Redis primary SIGKILLed mid-run (a replica promoted) while publishing and consuming; 2 workers, acks late${durable ? ', producer waits for 1 replica per publish' : ''}`,
    async run(ctx) {
      const count = ctx.quick ? 2000 : 20_000;
      const rate = ctx.quick ? 400 : 1000;
      const visibilityTimeout = ctx.quick ? 5 : 10;
      const env = await sentinelEnv(durable ? { waitReplicas: 1, waitReplicasTimeout: 1000 } : {});
      // Results on a private server no fault touches, as in every scenario (scenario.ts' brokerFor).
      const results = await startRedisServer();
      env.resultsUrl = results.url;
      try {
        const [point] = progressPoints(ctx.random, 1, count, 0.2, 0.6);
        const outcome = await runTasks({
          env,
          queue: queueName(name),
          dir: ctx.dir,
          workers: 2,
          acksLate: true,
          visibilityTimeout,
          tasks: workTasks(count, durable ? 'fd' : 'fo', ctx.random, 0, 10),
          rate,
          batch: 20,
          settleMs: settleFor('redis', visibilityTimeout),
          stuckMs: settleFor('redis', visibilityTimeout) + 60_000,
          async faults(run) {
            await run.untilCompleted(point ?? count / 2);
            if (run.ended) return;
            const at = Date.now();
            const label = `primary SIGKILL at ${run.completed()} done, replica promoted`;
            run.fault({ kind: 'restart', at, label });
            await env.restart('crash');
            run.fault({ kind: 'restart', at, until: Date.now(), label });
            ctx.log(`new primary after ${((Date.now() - at) / 1000).toFixed(1)} s`);
          },
        });
        return {
          name,
          broker: 'redis',
          acks: 'late',
          parameters: {
            tasks: count,
            'publish rate /s': rate,
            workers: 2,
            concurrency: 10,
            'task ms': '0–10',
            topology: '1 primary, 2 replicas, 3 sentinels',
            'durable publish': durable ? 'wait_replicas 1, 1000 ms' : 'off',
            'visibility timeout s': visibilityTimeout,
          },
          outcome,
          notes: [],
        };
      } finally {
        await env.close();
        await results.stop();
      }
    },
  };
}
