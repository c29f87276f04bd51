/**
 * Issue 17: a private Redis Cluster (three masters, one replica each) reached through a
 * `rediscluster://` URL. While tasks are published (paced) and consumed with acks late, the master
 * serving the task queue's slot is SIGKILLed and its replica promoted; the producer and the workers
 * keep their connections (ioredis follows the new slot map). Replication is asynchronous, so what
 * the master had not passed on — publishes, acks — can be lost with it, as in the Sentinel scenario.
 */
import { startRedisServer } from '@celerity/testing';
import { runTasks } from '../run-tasks.js';
import { startRedisClusterEnv } from '../servers/redis-cluster.js';
import type { Scenario } from './scenario.js';
import { queueName, settleFor } from './scenario.js';
import { progressPoints, workTasks } from './tasks.js';

/** The Redis Cluster scenario. */
export function redisClusterScenario(): Scenario {
  const name = 'cluster-kill:redis';
  return {
    name,
    item: 2,
    summary: "Redis Cluster (3 masters + 3 replicas): the master of the task queue's slot SIGKILLed mid-run (its replica promoted) while publishing and consuming; 2 workers, acks late",
    async run(ctx) {
      const count = ctx.quick ? 2000 : 20_000;
      const rate = ctx.quick ? 400 : 1000;
      const visibilityTimeout = ctx.quick ? 5 : 10;
      const env = await startRedisClusterEnv();
      // Results on a private server no fault touches, as in every scenario (scenario.ts' brokerFor).
      const results = await startRedisServer();
      env.resultsUrl = results.url;
      const queue = queueName(name);
      const notes: string[] = [];
      try {
        const [point] = progressPoints(ctx.random, 1, count, 0.2, 0.6);
        const outcome = await runTasks({
          env,
          queue,
          dir: ctx.dir,
          workers: 2,
          acksLate: true,
          visibilityTimeout,
          tasks: workTasks(count, 'rc', ctx.random, 0, 10),
          rate,
          batch: 20,
          settleMs: settleFor('redis', visibilityTimeout),
          stuckMs: settleFor('redis', visibilityTimeout) + 60_000,
          async faults(run) {
            await run.untilCompleted(point ?? count / 2);
            if (run.ended) return;
            const at = Date.now();
            const done = run.completed();
            const label = `master of the queue's slot SIGKILLed at ${done} done, replica promoted`;
            run.fault({ kind: 'restart', at, label });
            const { killed, promoted } = await env.killMasterOf(queue);
            run.fault({ kind: 'restart', at, until: Date.now(), label });
            const took = ((Date.now() - at) / 1000).toFixed(1);
            notes.push(`master :${killed} of the queue's slot killed once ${done} tasks were done; replica :${promoted} served the slot after ${took} s`);
            ctx.log(`replica :${promoted} took over from :${killed} after ${took} s`);
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
            topology: '3 masters, 3 replicas (cluster-node-timeout 2000 ms)',
            'visibility timeout s': visibilityTimeout,
          },
          outcome,
          notes,
        };
      } finally {
        await env.close();
        await results.stop();
      }
    },
  };
}
