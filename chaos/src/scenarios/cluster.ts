/**
 * Issue 17: a three-node RabbitMQ cluster with a quorum task queue (servers/rabbitmq-cluster.ts).
 * The producer and worker 1 connect through node 2 first, worker 2 through node 3 (each with a
 * failover list of all three). Mid-run node 2 is stopped — in order (SIGTERM) or killed (SIGKILL) —
 * while the producer publishes with confirms and both workers consume with acks late; it is started
 * again later (it rejoins the cluster). Whoever was on node 2 has to move to another node; the
 * queue keeps a majority of its members throughout, so nothing confirmed may be lost.
 */
import type { RabbitServer } from '@celerity/testing';
import { startRedisServer } from '@celerity/testing';
import { runTasks } from '../run-tasks.js';
import { startClusterEnv } from '../servers/rabbitmq-cluster.js';
import type { Scenario } from './scenario.js';
import { queueName, settleFor } from './scenario.js';
import { progressPoints, workTasks } from './tasks.js';

/** The cluster scenario for one way of stopping the node. */
export function clusterScenario(mode: 'crash' | 'graceful'): Scenario {
  const name = `cluster-${mode === 'crash' ? 'kill' : 'stop'}:amqp`;
  const how = mode === 'crash' ? 'SIGKILL' : 'SIGTERM';
  return {
    name,
    item: 2,
    summary: `3-node RabbitMQ cluster, quorum queue: the producer's and a worker's node stopped (${how}) mid-run, started again later; 2 workers, acks late`,
    async run(ctx) {
      const count = ctx.quick ? 3000 : 20_000;
      const rate = ctx.quick ? 100 : 300;
      ctx.log('starting a private 3-node RabbitMQ cluster (minutes on a busy machine)');
      const env = await startClusterEnv();
      const results = await startRedisServer();
      env.resultsUrl = results.url;
      try {
        const victim = env.cluster.nodes[1] as RabbitServer;
        const [down, up] = progressPoints(ctx.random, 2, count, 0.2, 0.6) as [number, number];
        const producerEnv = { ...env, url: env.listFrom(1) };
        const queue = queueName(name);
        const outcome = await runTasks({
          env: producerEnv,
          queue,
          dir: ctx.dir,
          workers: 2,
          workerUrl: (slot) => env.listFrom(slot + 1),
          acksLate: true,
          tasks: workTasks(count, 'q', ctx.random, 0, 10),
          rate,
          batch: 20,
          settleMs: settleFor('amqp', undefined),
          stuckMs: 120_000,
          async faults(run) {
            await run.untilCompleted(down);
            if (run.ended) return;
            const at = Date.now();
            const label = `node 2 of 3 ${how} at ${run.completed()} done, started again at ${up}`;
            run.fault({ kind: 'restart', at, label });
            await (mode === 'crash' ? victim.kill() : victim.stop());
            ctx.log(`${victim.nodeName} down (${how}); cluster runs ${(await env.cluster.runningNodes()).length} nodes`);
            await run.untilCompleted(up);
            await victim.start();
            run.fault({ kind: 'restart', at, until: Date.now(), label });
            ctx.log(`${victim.nodeName} back after ${((Date.now() - at) / 1000).toFixed(1)} s`);
          },
        });
        // What the scenario is about: the queue the workers and the producer declared is a quorum queue.
        const queueType = await env.queueType(queue);
        if (queueType !== 'quorum') throw new Error(`the task queue is a ${queueType} queue, not a quorum queue`);
        return {
          name,
          broker: 'amqp',
          acks: 'late',
          parameters: { tasks: count, 'publish rate /s': rate, workers: 2, concurrency: 10, 'task ms': '0–10', nodes: 3, queue: 'quorum', stop: how },
          outcome,
          notes: [
            `node 2 stopped once ${down} tasks were done, started again once ${up} were; the producer and worker 1 were connected to it first`,
            `queue type as RabbitMQ lists it: ${queueType}`,
          ],
        };
      } finally {
        await env.close();
        await results.stop();
      }
    },
  };
}
