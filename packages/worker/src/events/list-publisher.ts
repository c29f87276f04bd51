/**
 * Publishes task event records as `task.multi` lists. While a list is being published
 * the next one collects (up to `bufferLimit` events) and goes out when that publish is done: a busy
 * worker sends fewer, fuller lists, an idle one sends each turn's. Events are best effort, as in
 * Celery: a publish that fails is reported once through `warn` and dropped.
 */
import type { Broker } from '@celerity/core';
import { EVENT_EXCHANGE, TASK_BATCH_ROUTING_KEY, encodeEventsBytes } from '@celerity/core/internal';
import { EventWriter, type EventRecords } from './event-records.js';

/** Options of {@link ListPublisher}. */
export interface ListPublisherOptions {
  broker: Broker;
  hostname: string;
  pid: number;
  /** Events in one list at most. */
  bufferLimit: number;
  /** Called once, for the first publish that fails. */
  warn(message: string, error: unknown): void;
}

/** See the module comment. */
export class ListPublisher {
  private readonly writer: EventWriter;
  private pending: EventRecords = [];
  private pendingCount = 0;
  /** The latest publish, while it is on its way (a full list may go out beside it). */
  private inFlight: Promise<void> | undefined;
  private readonly publishing = new Set<Promise<void>>();
  private warned = false;

  constructor(private readonly options: ListPublisherOptions) {
    this.writer = new EventWriter(options.hostname, options.pid);
  }

  /** The writer of this sender's events (for events sent one by one). */
  get events(): EventWriter {
    return this.writer;
  }

  /** Adds `count` events' records; they go out now unless a list is on its way and this one is not full. */
  add(records: EventRecords, count: number): void {
    if (this.pendingCount === 0) this.pending = records;
    else for (const value of records) this.pending.push(value);
    this.pendingCount += count;
    if (this.inFlight === undefined || this.pendingCount >= this.options.bufferLimit) this.send();
  }

  /** Resolves once everything added has been published (or has failed). */
  async flush(): Promise<void> {
    while (this.publishing.size > 0 || this.pendingCount > 0) {
      if (this.pendingCount > 0 && this.inFlight === undefined) this.send();
      await Promise.all([...this.publishing]);
    }
  }

  private send(): void {
    const records = this.pending;
    this.pending = [];
    this.pendingCount = 0;
    const body = Buffer.from(`[${this.writer.list(records)}]`, 'utf8');
    const sent = this.options.broker.broadcast(EVENT_EXCHANGE, TASK_BATCH_ROUTING_KEY, encodeEventsBytes(body, this.options.hostname)).then(
      () => {},
      (error: unknown) => {
        // One warning, not one per list: a broker that is down would flood the log otherwise.
        if (!this.warned) this.options.warn(`Could not send events: ${(error as Error).message}`, error);
        this.warned = true;
      },
    );
    const done = sent.then(() => {
      this.publishing.delete(done);
      if (this.inFlight === done) this.inFlight = undefined;
      if (this.pendingCount > 0 && this.inFlight === undefined) this.send();
    });
    this.publishing.add(done);
    this.inFlight = done;
  }
}
