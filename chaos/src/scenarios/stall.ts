/**
 * Issue 12, item 3: one worker's broker connections go through a TCP proxy that stops forwarding
 * (sockets stay open: no FIN, no RST) for longer than the blocking timeout — Redis' BRPOP timeout
 * (1 s), RabbitMQ's heartbeat timeout (heartbeat 2 s) — then forwards again (`stall`) or destroys
 * the stalled connections (`stall-cut`, as a NAT table or a dead peer would). The other worker is
 * connected directly. Publishing is paced so the stall lands under load.
 */
import { sleep } from '@celerity/testing/internal';
import type { BrokerKind } from '../brokers.js';
import { startTcpProxy } from '@celerity/testing';
import { runTasks } from '../run-tasks.js';
import type { Scenario } from './scenario.js';
import { brokerFor, queueName, settleFor } from './scenario.js';
import { progressPoints, workTasks } from './tasks.js';

/** RabbitMQ heartbeat of both workers, seconds: a stall of a few seconds outlasts two of them. */
const HEARTBEAT_S = 2;

/** The stall scenario for one broker; `cut` destroys the stalled connections instead of resuming them. */
export function stallScenario(broker: BrokerKind, cut: boolean): Scenario {
  const name = `${cut ? 'stall-cut' : 'stall'}:${broker}`;
  const timeout = broker === 'redis' ? 'the BRPOP timeout (1 s)' : `two heartbeats (heartbeat ${HEARTBEAT_S} s)`;
  return {
    name,
    item: 3,
    summary: `w1's connections stalled (proxy stops forwarding, sockets open) longer than ${timeout}, then ${cut ? 'cut' : 'resumed'}; w2 direct; acks late`,
    async run(ctx) {
      const count = ctx.quick ? 2000 : 20_000;
      const rate = ctx.quick ? 400 : 1000;
      const stallMs = ctx.quick ? 8000 : 10_000;
      // Longer than the stall: a correct worker that resumes must not see its messages restored under it.
      const visibilityTimeout = broker === 'redis' ? (ctx.quick ? 15 : 30) : undefined;
      const env = await brokerFor(broker, ctx);
      const proxy = await startTcpProxy({ targetPort: env.port });
      const query: Record<string, string> = broker === 'amqp' ? { heartbeat: String(HEARTBEAT_S) } : {};
      try {
        const [point] = progressPoints(ctx.random, 1, count, 0.2, 0.5);
        const outcome = await runTasks({
          env,
          queue: queueName(name),
          dir: ctx.dir,
          workers: 2,
          acksLate: true,
          ...(visibilityTimeout !== undefined ? { visibilityTimeout } : {}),
          workerUrl: (slot) => env.urlVia(slot === 0 ? proxy.port : env.port, query),
          tasks: workTasks(count, 's', ctx.random, 0, 10),
          rate,
          batch: 20,
          settleMs: settleFor(broker, visibilityTimeout),
          stuckMs: settleFor(broker, visibilityTimeout) + 30_000,
          async faults(run) {
            await run.untilCompleted(point!);
            if (run.ended) return;
            const at = Date.now();
            const label = `w1's ${proxy.connections} connections stalled ${stallMs / 1000} s, then ${cut ? 'cut' : 'resumed'}`;
            proxy.pause();
            run.fault({ kind: cut ? 'cut' : 'stall', at, label });
            ctx.log(`stalled ${proxy.connections} connections of w1 at ${run.completed()} done`);
            await sleep(stallMs);
            if (cut) proxy.cut();
            proxy.resume();
            run.fault({ kind: cut ? 'cut' : 'stall', at, until: Date.now(), label });
            ctx.log(`${cut ? 'cut' : 'resumed'} at ${run.completed()} done`);
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
            'stall s': stallMs / 1000,
            ...(visibilityTimeout !== undefined ? { 'visibility timeout s': visibilityTimeout } : {}),
            ...(broker === 'amqp' ? { 'heartbeat s': HEARTBEAT_S } : {}),
          },
          outcome,
          notes: [],
        };
      } finally {
        await proxy.close();
        await env.close();
      }
    },
  };
}
