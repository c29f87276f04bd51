/**
 * Worker child for pg-boss: an instance started on `prepare`, `work()` on `go`. One fetch loop takes
 * batches of 4 × c jobs and runs at most c at a time; each job settles with its own output
 * (`perJobResults`), and a full batch fetches again at once (`burstWhenBatchFull`).
 */
import { PgBoss } from 'pg-boss';
import { addArguments, databaseUrlFromEnv } from '../pg/env.js';
import { mapLimited } from '../pg/limit.js';
import { pgBossBatchSize, poolSize } from '../pg/peers.js';
import { runWorkerChild } from './harness.js';

runWorkerChild(async ({ queue, concurrency }) => {
  const boss = new PgBoss({ connectionString: databaseUrlFromEnv(), useListenNotify: true, max: poolSize(concurrency) });
  boss.on('error', (error: Error) => console.error('pg-boss worker:', error.message));
  await boss.start();
  let processed = 0;
  return {
    async start() {
      await boss.work<{ x: number; y: number }>(
        queue,
        { batchSize: pgBossBatchSize(concurrency), perJobResults: true, burstWhenBatchFull: true, pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 0.5 },
        (jobs) =>
          mapLimited(jobs, concurrency, async (job) => {
            const { x, y } = addArguments(job.data);
            // Counted when the handler is done with it; pg-boss stores the batch's outputs right after.
            processed++;
            return { id: job.id, status: 'completed' as const, output: { result: x + y } };
          }),
      );
    },
    processed: () => processed,
    async stop() {
      // Graceful: waits for the jobs in hand to settle (their outputs stored) before closing.
      await boss.stop({ graceful: true, close: true });
    },
  };
});
