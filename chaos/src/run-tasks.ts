/**
 * One run of a scenario: supervised workers, a producer, the scenario's faults alongside, and a
 * watch on the ledger that decides when the run is over — everything sent has completed and a
 * settle time has passed with the workers still up (to catch late re-runs), or nothing has completed
 * for `stuckMs`, or `maxMs` is up. Then the workers are stopped and the ledger counted.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { sleep } from '@celerity/testing/internal';
import type { BrokerEnv, LeftInBroker } from './brokers.js';
import { countRun } from './count.js';
import type { Counts } from './count.js';
import type { Death, Fault } from './faults.js';
import { createLedgerReader } from './ledger/reader.js';
import type { LedgerEvent } from './ledger/record.js';
import type { ProducerResult, TaskToSend } from './producer.js';
import { PRODUCER_SILENT_MS, startProducer } from './producer-client.js';
import type { ProducerHandle } from './producer-client.js';
import { recoveries } from './recovery.js';
import type { Recovery } from './recovery.js';
import { createWorkerPool } from './workers/worker-pool.js';
import type { WorkerPool } from './workers/worker-pool.js';

/** What to run. */
export interface RunPlan {
  env: BrokerEnv;
  queue: string;
  /** Directory for the ledger and the worker logs. */
  dir: string;
  workers: number;
  acksLate: boolean;
  /** Redis: the workers' visibility timeout, seconds. */
  visibilityTimeout?: number;
  /** Per worker. @default 10 */
  concurrency?: number;
  /** The broker URL a slot's workers use (a proxy's, say). @default env.url */
  workerUrl?: (slot: number) => string;
  tasks: readonly TaskToSend[];
  /** Ids among `tasks` that are poison: never expected to complete. */
  poison?: readonly string[];
  /** Publish rate, tasks/s; 0 = all at once. @default 0 */
  rate?: number;
  /** Tasks per publish call. @default 100 */
  batch?: number;
  /** Before producing, with the workers started (e.g. to push garbage). */
  beforeProducing?: (run: RunHandle) => Promise<void>;
  /** The faults, run alongside production and consumption; resolves when it has no more to inject. */
  faults?: (run: RunHandle) => Promise<void>;
  /** Keep watching this long after everything completed. */
  settleMs: number;
  /** Give up after this long without a new completion (counted from the last fault's end, and from the producer's last sign of life while it publishes). */
  stuckMs: number;
  /** Hard limit on the run. @default 20 min */
  maxMs?: number;
  /** Sample every worker's RSS this often. @default 1000 */
  rssEveryMs?: number;
}

/** What a fault schedule can see and do. */
export interface RunHandle {
  readonly env: BrokerEnv;
  readonly pool: WorkerPool;
  readonly queue: string;
  readonly startedAt: number;
  /** Set once the run is over: a fault schedule should stop. */
  readonly ended: boolean;
  /** Distinct ids completed so far (poison excluded). */
  completed(): number;
  /** Resolves once `n` ids have completed, or the run ends. */
  untilCompleted(n: number): Promise<void>;
  /** Resolves once every task has been published (or failed to be). */
  untilProduced(): Promise<void>;
  /** Records a fault (at its start; call again with `until` when it ends). */
  fault(fault: Fault): void;
  readonly events: readonly LedgerEvent[];
}

/** One RSS reading. */
export interface RssSample {
  t: number;
  slot: number;
  pid: number;
  bytes: number;
}

/** What a run produced. */
export interface RunOutcome {
  counts: Counts;
  recoveries: Recovery[];
  faults: Fault[];
  deaths: Death[];
  /** Worker processes started (first starts and restarts). */
  workerStarts: number;
  durationMs: number;
  endedBy: 'settled' | 'stuck' | 'time limit';
  producer: ProducerResult & {
    /** Ids the producer never reported on (it hung or died): their publish outcome is unknown. */
    unreported: number;
    /** When the producer's event loop stopped turning, if it did and never finished. */
    blockedSince: number | undefined;
  };
  rss: RssSample[];
  /** Messages of the queue left in the broker after the workers stopped (undefined when it could not say). */
  queueLeft: number | undefined;
  /** What the broker still held, in detail. */
  left: Omit<LeftInBroker, 'ids' | 'deadLettered'> | undefined;
  /** Whether each poison task was still in the broker at the end. */
  poisonInBroker: Record<string, boolean>;
  events: readonly LedgerEvent[];
}

const TICK_MS = 100;

/**
 * @example
 * const outcome = await runTasks({ env, queue, dir, workers: 2, acksLate: true, tasks, settleMs: 2000, stuckMs: 30_000 });
 */
export async function runTasks(plan: RunPlan): Promise<RunOutcome> {
  const ledgerDir = join(plan.dir, 'ledger');
  mkdirSync(ledgerDir, { recursive: true });
  const ledger = createLedgerReader(ledgerDir);
  const poison = new Set(plan.poison ?? []);
  const pool = createWorkerPool({
    size: plan.workers,
    spec: (slot, generation) => ({
      brokerUrl: plan.workerUrl?.(slot) ?? plan.env.url,
      queue: plan.queue,
      concurrency: plan.concurrency ?? 10,
      acksLate: plan.acksLate,
      ...(plan.visibilityTimeout !== undefined ? { visibilityTimeout: plan.visibilityTimeout } : {}),
      ...(plan.env.resultsUrl !== undefined ? { resultBackendUrl: plan.env.resultsUrl } : {}),
      ...(plan.env.workerEnv !== undefined ? { env: plan.env.workerEnv } : {}),
      ledgerDir,
      logFile: join(plan.dir, `worker-${slot + 1}.log`),
      hostname: `w${slot + 1}-${generation}@chaos`,
    }),
  });
  const faults: Fault[] = [];
  const rss: RssSample[] = [];
  const startedAt = Date.now();
  let ended = false;
  let completedCount = 0;
  let lastProgressAt = startedAt;
  // Processes each task's body started on, for the early-ack end condition.
  const startedOn = new Map<string, number[]>();
  let waiters: Array<{ n: number; resolve: () => void }> = [];

  const handle: RunHandle = {
    env: plan.env,
    pool,
    queue: plan.queue,
    startedAt,
    get ended() {
      return ended;
    },
    completed: () => completedCount,
    untilCompleted(n) {
      if (ended || completedCount >= n) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
    untilProduced: () => producing.then(() => undefined),
    fault(fault) {
      const known = faults.find((f) => f.at === fault.at && f.kind === fault.kind);
      if (known) Object.assign(known, fault);
      else faults.push({ ...fault });
      lastProgressAt = Math.max(lastProgressAt, Date.now());
    },
    events: ledger.events,
  };

  const wake = (): void => {
    const still: typeof waiters = [];
    for (const w of waiters) (ended || completedCount >= w.n ? w.resolve() : still.push(w));
    waiters = still;
  };

  pool.start();
  let producer: ProducerHandle | undefined;
  let faultsDone = plan.faults === undefined;
  let failure: unknown;
  const producing = (async () => {
    await plan.beforeProducing?.(handle);
    producer = startProducer({
      type: 'produce',
      broker: plan.env.kind,
      url: plan.env.url,
      queue: plan.queue,
      tasks: plan.tasks,
      rate: plan.rate ?? 0,
      batch: plan.batch ?? 100,
      ...(plan.env.brokerOptions !== undefined ? { brokerOptions: plan.env.brokerOptions } : {}),
    });
    await producer.finished;
    lastProgressAt = Math.max(lastProgressAt, Date.now());
  })().catch((error: unknown) => (failure ??= error));
  const faulting = (plan.faults?.(handle) ?? Promise.resolve())
    .catch((error: unknown) => (failure ??= error))
    .finally(() => {
      faultsDone = true;
      lastProgressAt = Math.max(lastProgressAt, Date.now());
    });

  let endedBy: RunOutcome['endedBy'] = 'time limit';
  let allDoneAt: number | undefined;
  let nextRssAt = startedAt;
  const maxMs = plan.maxMs ?? 20 * 60_000;
  for (;;) {
    await sleep(TICK_MS);
    if (failure !== undefined) break;
    for (const event of ledger.poll()) {
      if (event.kind === 'start') {
        const pids = startedOn.get(event.id);
        if (pids === undefined) startedOn.set(event.id, [event.pid]);
        else pids.push(event.pid);
      }
      if (event.kind !== 'done' || poison.has(event.id)) continue;
      lastProgressAt = Math.max(lastProgressAt, Date.now());
    }
    // A producer still publishing (its heartbeat fresh) is progress too; one that went silent is not.
    if (producer === undefined || (!producer.done && Date.now() - producer.lastAliveAt < PRODUCER_SILENT_MS)) lastProgressAt = Date.now();
    let poisonDone = 0;
    for (const id of poison) if (ledger.completed.has(id)) poisonDone++;
    completedCount = ledger.completed.size - poisonDone;
    wake();
    const now = Date.now();
    if (now >= nextRssAt) {
      nextRssAt = now + (plan.rssEveryMs ?? 1000);
      for (let slot = 0; slot < plan.workers; slot++) {
        const worker = pool.current(slot);
        const bytes = worker?.rss();
        if (worker !== undefined && bytes !== undefined) rss.push({ t: now, slot, pid: worker.pid, bytes });
      }
    }
    if (producer?.done === true && faultsDone) {
      // With early acks, a task whose run died with its process is gone by design: nothing to wait for.
      const dead = plan.acksLate ? undefined : new Set(pool.deaths.map((d) => d.pid));
      const pending = producer.sent.some(
        (id) => !poison.has(id) && !ledger.completed.has(id) && !(dead !== undefined && startedOn.get(id)?.some((pid) => dead.has(pid))),
      );
      if (!pending) {
        allDoneAt ??= now;
        if (now - allDoneAt >= plan.settleMs) {
          endedBy = 'settled';
          break;
        }
      }
    }
    if (now - lastProgressAt >= plan.stuckMs) {
      endedBy = 'stuck';
      break;
    }
    if (now - startedAt >= maxMs) break;
  }
  ended = true;
  wake();
  await faulting;
  // A producer still at it now is hung (the run gave up on progress): stop it, keep what it reported.
  await producer?.stop();
  await producing;
  await pool.stop();
  const left = await Promise.race([plan.env.drain(plan.queue).catch(() => undefined), sleep(30_000).then(() => undefined)]);
  if (failure !== undefined) throw failure;
  ledger.poll();
  const reported = producer?.result();
  const produced = {
    sent: reported?.sent ?? [],
    failed: [...(reported?.failed ?? []), ...(reported?.unreported ?? [])],
    errors: reported?.errors ?? [],
    startedAt: reported?.startedAt ?? startedAt,
    finishedAt: reported?.finishedAt ?? startedAt,
    unreported: reported?.unreported.length ?? 0,
    blockedSince: reported?.blockedSince,
  };
  const deaths = [...pool.deaths];
  const counts = countRun({
    sent: produced.sent,
    publishFailed: produced.failed,
    events: ledger.events,
    faults,
    deaths,
    earlyAck: !plan.acksLate,
    poison: [...poison],
    inBroker: left?.ids ?? [],
    deadLettered: left?.deadLettered ?? [],
  });
  return {
    counts,
    recoveries: recoveries(ledger.events, faults, poison, counts.lost === 0),
    faults,
    deaths,
    workerStarts: pool.started.length,
    durationMs: Date.now() - startedAt,
    endedBy,
    producer: produced,
    rss,
    queueLeft: left?.messages,
    left: left === undefined ? undefined : { messages: left.messages, unacked: left.unacked, ...(left.restoreLockTtlMs !== undefined ? { restoreLockTtlMs: left.restoreLockTtlMs } : {}) },
    poisonInBroker: Object.fromEntries([...poison].map((id) => [id, left?.ids.includes(id) ?? false])),
    events: ledger.events,
  };
}
