/**
 * Producer child for graphile-worker: `makeWorkerUtils` (`addJob` / `addJobs`), the schema migrated on
 * open. Round trips `LISTEN` on a channel of their own and add `add_notify` jobs, whose task answers
 * with `pg_notify` (graphile-worker keeps no result and has no way to wait for a job).
 */
import { randomUUID } from 'node:crypto';
import { Logger, makeWorkerUtils } from 'graphile-worker';
import type { AddJobsJobSpec } from 'graphile-worker';
import pg from 'pg';
import { graphileSchemaFromEnv } from '../env.js';
import type { PgProducer } from '../producer-protocol.js';
import { serveProducer } from './serve.js';

const silent = new Logger(() => () => undefined);
const schema = graphileSchemaFromEnv();

serveProducer(async ({ databaseUrl }): Promise<PgProducer> => {
  const utils = await makeWorkerUtils({ connectionString: databaseUrl, schema, logger: silent });
  await utils.migrate();
  let listener: pg.Client | null = null;
  const channel = `bench_rt_${randomUUID().replaceAll('-', '')}`;
  const waiting = new Map<number, (result: number) => void>();
  let next = 0;
  const listen = async (): Promise<void> => {
    listener = new pg.Client({ connectionString: databaseUrl });
    await listener.connect();
    listener.on('notification', (message) => {
      const { id, result } = JSON.parse(message.payload ?? '{}') as { id: number; result: number };
      waiting.get(id)?.(result);
      waiting.delete(id);
    });
    await listener.query(`LISTEN ${channel}`);
  };
  return {
    async enqueueOne(count) {
      for (let i = 0; i < count; i++) await utils.addJob('add', { x: i, y: i });
    },
    async enqueueBulk(count, batchSize) {
      for (let start = 0; start < count; start += batchSize) {
        const specs: AddJobsJobSpec[] = [];
        for (let i = start; i < Math.min(count, start + batchSize); i++) specs.push({ identifier: 'add', payload: { x: i, y: i } });
        await utils.addJobs(specs);
      }
    },
    async roundTrip(x, y) {
      if (!listener) await listen();
      const id = next++;
      // Registered before the send: the answer may come before addJob resolves.
      const result = new Promise<number>((resolve) => waiting.set(id, resolve));
      await utils.addJob('add_notify', { x, y, channel, id });
      return result;
    },
    async clear() {
      await utils.withPgClient((client) => client.query(`delete from ${schema}._private_jobs`));
    },
    async count() {
      const { rows } = await utils.withPgClient((client) => client.query<{ n: string }>(`select count(*) as n from ${schema}._private_jobs`));
      return { stored: 0, pending: Number(rows[0]!.n) };
    },
    async close() {
      await listener?.end();
      await utils.release();
    },
  };
});
