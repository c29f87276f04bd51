/**
 * Events in: subscribes to Celery's `celeryev` exchange on the broker, buffers what it hears and,
 * while this instance holds the ingest lease, writes it into the store every `flushMs` — task events
 * through the fenced script, workers as merged records. Other instances drop what they hear.
 */
import type { Broker, Logger, Subscription } from '@celerity/core';
import { EVENT_EXCHANGE, decodeEvents } from '@celerity/core/internal';
import type { CeleryEvent } from '@celerity/core/internal';
import type { IngestLease } from './ingest-lease.js';
import type { DashboardStore } from './store.js';
import { workers as storedWorkers } from './store-queries.js';
import { taskUpdateOf, type TaskUpdate } from './task-update.js';
import type { Clock } from './timers.js';
import { mergeWorkerEvent, type WorkerRecord } from '@celerity/core/internal';

/** Most events buffered between two flushes; past it the oldest are dropped (and logged). */
const MAX_BUFFER = 50_000;

export class EventIngest {
  #buffer: CeleryEvent[] = [];
  #subscription: Subscription | null = null;
  #workers = new Map<string, WorkerRecord>();
  #loadedWorkers = false;
  /** When each queue was last written as known (ms): written again after a minute, so it stays while used. */
  #knownQueues = new Map<string, number>();
  #dropped = 0;
  /** Events written to the store by this instance. */
  written = 0;

  constructor(
    private readonly broker: Broker,
    private readonly store: DashboardStore,
    private readonly lease: IngestLease,
    private readonly clock: Clock,
    private readonly logger: Logger,
    /** Called when a worker is heard for the first time (or back from offline). */
    private readonly onNewWorker: (hostname: string) => void,
  ) {}

  async start(): Promise<void> {
    this.#subscription = await this.broker.subscribe(EVENT_EXCHANGE, '#', (message) => {
      if (!this.lease.held) return;
      let events: CeleryEvent[];
      try {
        events = decodeEvents(message.envelope);
      } catch (error) {
        this.logger.warn(`dashboard: skipped an event message: ${(error as Error).message}`);
        return;
      }
      this.#buffer.push(...events);
      if (this.#buffer.length > MAX_BUFFER) {
        this.#dropped += this.#buffer.length - MAX_BUFFER;
        this.#buffer.splice(0, this.#buffer.length - MAX_BUFFER);
      }
    });
  }

  /** Writes what was heard since the last flush (nothing unless the lease is held). */
  async flush(): Promise<void> {
    if (this.#dropped > 0) {
      this.logger.warn(`dashboard: dropped ${this.#dropped} events (the store did not keep up)`);
      this.#dropped = 0;
    }
    const events = this.#buffer;
    this.#buffer = [];
    if (events.length === 0 || !this.lease.held) return;
    const now = this.clock() / 1000;
    if (!this.#loadedWorkers) {
      // Taking over: continue from the records the previous holder wrote.
      for (const record of (await storedWorkers(this.store)).records) this.#workers.set(record.hostname, record);
      this.#loadedWorkers = true;
    }
    const updates: TaskUpdate[] = [];
    const changedWorkers = new Set<WorkerRecord>();
    for (const event of events) {
      if (event.type.startsWith('worker-') && typeof event.hostname === 'string') {
        const before = this.#workers.get(event.hostname);
        const record = mergeWorkerEvent(before, event, now);
        this.#workers.set(record.hostname, record);
        changedWorkers.add(record);
        if (before === undefined || (before.offline && !record.offline)) this.onNewWorker(record.hostname);
        continue;
      }
      const update = taskUpdateOf(event, now);
      if (update === null) continue;
      updates.push(update);
      const queue = update.fields['queue'];
      if (queue !== undefined && (this.#knownQueues.get(queue) ?? -Infinity) < this.clock() - 60_000) {
        this.#knownQueues.set(queue, this.clock());
        await this.store.addKnownQueue(queue, now);
      }
      // A task event shows its worker alive too (as Celery's State reads it).
      const hostname = update.fields['worker'];
      const worker = hostname === undefined ? undefined : this.#workers.get(hostname);
      if (worker !== undefined && !worker.offline && update.timestamp > worker.lastSeen) {
        worker.lastSeen = update.timestamp;
        changedWorkers.add(worker);
      }
    }
    const kept = await this.store.applyTaskUpdates(this.lease.token, updates);
    if (!kept) {
      this.lease.lost();
      this.#loadedWorkers = false;
      return;
    }
    this.written += updates.length;
    await Promise.all([...changedWorkers].map((record) => this.store.writeWorker(this.lease.token, record)));
  }

  /** Forgets the in-memory worker records (the lease changed hands: the store's are the truth). */
  resetWorkers(): void {
    this.#loadedWorkers = false;
    this.#workers.clear();
  }

  async stop(): Promise<void> {
    await this.#subscription?.unsubscribe().catch(() => undefined);
    this.#subscription = null;
  }
}
