/**
 * Issue 12, item 6: 100,000 tasks through two workers while the broker Redis is stopped and
 * started again three times (SIGTERM: a crash would need fsync on every write, which caps Redis at a
 * few hundred tasks a second on this disk); the same two worker processes live through it all, so their resident
 * memory at the end can be compared with what they used once warmed up (10 % of the tasks done).
 * Bound: end RSS ≤ 1.25 × warm RSS. A worker that holds nothing once its work is done comes back
 * near its warm size (×0.8–1.1 in our runs, V8's heap breathing); ×1.25 leaves room for that, not
 * for anything that grows with the number of tasks or reconnects (100 bytes kept per task would be
 * ~10 MiB, a tenth of a warm worker).
 */
import { runTasks } from '../run-tasks.js';
import type { RssSample } from '../run-tasks.js';
import type { Scenario } from './scenario.js';
import { brokerFor, queueName, settleFor } from './scenario.js';
import { progressPoints, workTasks } from './tasks.js';

/** End RSS may be at most this multiple of the warm RSS. */
export const RSS_BOUND = 1.25;
const MiB = 2 ** 20;

/** Per worker slot: RSS when `warmAt` was reached, and the last sample of the same process. */
export function rssFigures(samples: readonly RssSample[], warmAt: number): Array<{ slot: number; pid: number; warmBytes: number; endBytes: number; peakBytes: number; sameProcess: boolean }> {
  const slots = [...new Set(samples.map((s) => s.slot))].sort();
  return slots.flatMap((slot) => {
    const mine = samples.filter((s) => s.slot === slot);
    const warm = mine.find((s) => s.t >= warmAt);
    const last = mine[mine.length - 1];
    if (warm === undefined || last === undefined) return [];
    const same = mine.filter((s) => s.pid === warm.pid);
    return [{ slot, pid: warm.pid, warmBytes: warm.bytes, endBytes: last.bytes, peakBytes: Math.max(...same.map((s) => s.bytes)), sameProcess: last.pid === warm.pid }];
  });
}

/** The soak on Redis. */
export function soakScenario(): Scenario {
  const name = 'soak:redis';
  return {
    name,
    item: 6,
    summary: `100,000 tasks through 2 workers, Redis stopped (SIGTERM) and started again 3 times; worker RSS at the end ≤ ${RSS_BOUND} × its RSS once warm`,
    async run(ctx) {
      const count = ctx.quick ? 10_000 : 100_000;
      const restarts = ctx.quick ? 1 : 3;
      const visibilityTimeout = 30;
      const env = await brokerFor('redis', ctx);
      let warmAt = Infinity;
      try {
        const points = restarts === 1 ? [Math.floor(count / 2)] : progressPoints(ctx.random, restarts, count, 0.2, 0.8);
        const outcome = await runTasks({
          env,
          queue: queueName(name),
          dir: ctx.dir,
          workers: 2,
          acksLate: true,
          visibilityTimeout,
          tasks: workTasks(count, 'w', ctx.random, 0, 2),
          rate: ctx.quick ? 2000 : 2500,
          batch: 100,
          settleMs: settleFor('redis', visibilityTimeout),
          stuckMs: settleFor('redis', visibilityTimeout) + 30_000,
          rssEveryMs: 500,
          async faults(run) {
            await run.untilCompleted(Math.floor(count / 10));
            warmAt = Date.now();
            for (const point of points) {
              await run.untilCompleted(point);
              if (run.ended) return;
              const at = Date.now();
              const label = `Redis SIGTERM + start at ${run.completed()} done`;
              run.fault({ kind: 'restart', at, label });
              await env.restart('graceful');
              run.fault({ kind: 'restart', at, until: Date.now(), label });
              ctx.log(`Redis back after ${((Date.now() - at) / 1000).toFixed(1)} s at ${run.completed()} done`);
            }
          },
        });
        const figures = rssFigures(outcome.rss, warmAt);
        const notes = figures.map((f) => {
          const ratio = f.endBytes / f.warmBytes;
          const verdict = !f.sameProcess ? 'not comparable: the worker was replaced' : ratio <= RSS_BOUND ? 'within the bound' : 'OVER the bound';
          return `RSS w${f.slot + 1} (pid ${f.pid}): warm ${(f.warmBytes / MiB).toFixed(1)} MiB, end ${(f.endBytes / MiB).toFixed(1)} MiB (×${ratio.toFixed(2)}), peak ${(f.peakBytes / MiB).toFixed(1)} MiB: ${verdict} (≤ ×${RSS_BOUND}).`;
        });
        return {
          name,
          broker: 'redis',
          acks: 'late',
          parameters: { tasks: count, 'publish rate /s': ctx.quick ? 2000 : 2500, workers: 2, concurrency: 10, 'task ms': '0–2', 'Redis restarts': restarts, 'visibility timeout s': visibilityTimeout },
          outcome,
          notes,
          extra: { rss: figures, rssBound: RSS_BOUND },
        };
      } finally {
        await env.close();
      }
    },
  };
}
