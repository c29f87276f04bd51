/**
 * The PostgreSQL peers (issue 19): graphile-worker and pg-boss on a database the bench makes for the
 * run. A peer has one or more variants (a row of the report each): graphile-worker runs once with its
 * defaults and once with the batching of its own published figure.
 */

/** The name that selects both PostgreSQL peers, with `--only` or `--scenario`. */
export const PG_PART = 'pg';
/** Peers, each selectable by name with `--only` or `--scenario`. */
export const PG_PEER_NAMES = ['graphile-worker', 'pg-boss'] as const;
/** One of {@link PG_PEER_NAMES}. */
export type PgPeerName = (typeof PG_PEER_NAMES)[number];

/** A row of the PostgreSQL tables. */
export interface PgVariant {
  /** Row name, e.g. `graphile-worker batched`. */
  readonly name: string;
  readonly peer: PgPeerName;
  /** Package and version. */
  readonly label: string;
  /** The worker module under `src/workers/`. */
  readonly workerModule: string;
  /** The producer module under `src/pg/producers/`. */
  readonly producerModule: string;
  /** Environment of the producer and worker children (selects the variant's settings and schema). */
  readonly env: Readonly<Record<string, string>>;
  /** Measured in the enqueue scenario (a variant that only changes worker settings is not). */
  readonly enqueue: boolean;
  /** The settings, as the report states them. */
  readonly settings: string;
  /** How a caller waits for a result, as the report states it. */
  readonly roundTrip: string;
  /** Where results are kept. */
  readonly results: string;
}

const GRAPHILE_LABEL = 'graphile-worker 0.18.0';
const PG_BOSS_LABEL = 'pg-boss 12.38.0';
const GRAPHILE_ROUND_TRIP = 'graphile-worker has no way to wait for a job: the round-trip task (`add_notify`) sends its result with `pg_notify` on a channel the producer `LISTEN`s on';
const GRAPHILE_RESULTS = 'none: graphile-worker deletes a job when it succeeds and keeps no return value; the check is that no job is left';

/** Every variant, in report order. */
export const PG_VARIANTS: readonly PgVariant[] = [
  {
    name: 'graphile-worker',
    peer: 'graphile-worker',
    label: GRAPHILE_LABEL,
    workerModule: 'pg-graphile-worker.ts',
    producerModule: 'graphile-worker.ts',
    env: { BENCH_GRAPHILE_BATCHED: '0', BENCH_GRAPHILE_SCHEMA: 'graphile_worker' },
    enqueue: true,
    settings: '`run({ concurrency: c, pollInterval: 2000, pgPool })` with a pg Pool of min(c + 1, 25) connections (graphile-worker\'s published figure uses one more connection than jobs): jobs are announced with LISTEN/NOTIFY (always on), the poll only catches what a notification missed; no local queue, each completion its own statement (the defaults). Producer: `makeWorkerUtils` `addJob` / `addJobs`.',
    roundTrip: GRAPHILE_ROUND_TRIP,
    results: GRAPHILE_RESULTS,
  },
  {
    name: 'graphile-worker batched',
    peer: 'graphile-worker',
    label: GRAPHILE_LABEL,
    workerModule: 'pg-graphile-worker.ts',
    producerModule: 'graphile-worker.ts',
    env: { BENCH_GRAPHILE_BATCHED: '1', BENCH_GRAPHILE_SCHEMA: 'graphile_worker_batched' },
    enqueue: false,
    settings: 'As above (in a schema of its own, `graphile_worker_batched`) plus the batching of graphile-worker\'s own published figure (its performance page): `localQueue: { size: 500 }`, `completeJobBatchDelay: 0`, `failJobBatchDelay: 0` (the pool fetches up to 500 jobs at once and completes finished jobs together).',
    roundTrip: GRAPHILE_ROUND_TRIP,
    results: GRAPHILE_RESULTS,
  },
  {
    name: 'pg-boss',
    peer: 'pg-boss',
    label: PG_BOSS_LABEL,
    workerModule: 'pg-boss-worker.ts',
    producerModule: 'pg-boss.ts',
    env: {},
    enqueue: true,
    settings: '`new PgBoss({ useListenNotify: true, max: min(c + 1, 25) })`, queue made with `createQueue(name, { notify: true })`; `work(name, { batchSize: 4c, perJobResults: true, burstWhenBatchFull: true, pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 0.5 })`, the handler running at most c jobs of the batch at a time and returning each job\'s output. With `batchSize: 1` a pg-boss worker waits its polling interval (0.5 s at least) after every job unless a NOTIFY wakes it, so a queue filled beforehand drains at 2 jobs/s per worker: batches with `burstWhenBatchFull` are its way to drain a backlog. Producer: `send` / `insert`.',
    roundTrip: 'pg-boss has no way to wait for a job: the producer polls `getJobById` every 1 ms until the job is `completed`, then reads its `output`',
    results: 'each job\'s `output` in its completed row (`state = \'completed\'`), counted with SQL after the run',
  },
];

/** The variants of the selected peers, in report order. */
export function variantsOf(peers: readonly PgPeerName[]): PgVariant[] {
  return PG_VARIANTS.filter((v) => peers.includes(v.peer));
}

/** Connections a worker at concurrency c may open: one per job in flight and one more, at most 25 (max_connections is 100). */
export function poolSize(concurrency: number): number {
  return Math.min(concurrency + 1, 25);
}

/** pg-boss fetches `4 × c` jobs per batch (Celery's prefetch multiplier), so that a full batch keeps its worker fetching. */
export function pgBossBatchSize(concurrency: number): number {
  return 4 * concurrency;
}
