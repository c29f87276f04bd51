/**
 * Producer child for pg-boss: `send` / `insert` on a queue made with `notify: true`. Round trips poll
 * `findJobs` every millisecond until the job is completed (pg-boss has no way to wait for a job), then
 * read its `output`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { PgBoss } from 'pg-boss';
import pg from 'pg';
import type { PgProducer } from '../producer-protocol.js';
import { serveProducer } from './serve.js';

/** How often a round trip asks whether its job is done. */
const POLL_MS = 1;

serveProducer(async ({ databaseUrl, queue }): Promise<PgProducer> => {
  // A producer runs no maintenance and no schedules (the workers' instances do), and needs no listener:
  // the queue's `notify` makes every insert send the NOTIFY that wakes the workers.
  const boss = new PgBoss({ connectionString: databaseUrl, supervise: false, schedule: false });
  boss.on('error', (error: Error) => console.error('pg-boss producer:', error.message));
  await boss.start();
  if (!(await boss.getQueue(queue))) await boss.createQueue(queue, { notify: true });
  // Counting uses SQL: pg-boss's queue stats are a cache refreshed every minute.
  const sql = new pg.Client({ connectionString: databaseUrl });
  await sql.connect();
  const { rows } = await sql.query<{ table_name: string }>('select table_name from pgboss.queue where name = $1', [queue]);
  const table = `pgboss.${pg.escapeIdentifier(rows[0]!.table_name)}`;
  return {
    async enqueueOne(count) {
      for (let i = 0; i < count; i++) await boss.send(queue, { x: i, y: i });
    },
    async enqueueBulk(count, batchSize) {
      for (let start = 0; start < count; start += batchSize) {
        const jobs = [];
        for (let i = start; i < Math.min(count, start + batchSize); i++) jobs.push({ data: { x: i, y: i } });
        await boss.insert(queue, jobs);
      }
    },
    async roundTrip(x, y) {
      const id = await boss.send(queue, { x, y });
      if (id === null) throw new Error('pg-boss send returned no id');
      for (;;) {
        const [job] = await boss.findJobs<{ x: number; y: number }>(queue, { id });
        if (job?.state === 'completed') return (job.output as { result: number }).result;
        if (job?.state === 'failed') throw new Error(`pg-boss job ${id} failed: ${JSON.stringify(job.output)}`);
        await sleep(POLL_MS);
      }
    },
    async clear() {
      await boss.deleteAllJobs(queue);
    },
    async count() {
      const { rows: counts } = await sql.query<{ stored: string; pending: string }>(
        `select count(*) filter (where state = 'completed' and output is not null) as stored, count(*) filter (where state < 'completed') as pending from ${table} where name = $1`,
        [queue],
      );
      return { stored: Number(counts[0]!.stored), pending: Number(counts[0]!.pending) };
    },
    async close() {
      await sql.end();
      await boss.stop({ graceful: false, close: true });
    },
  };
});
