/**
 * Publishes task events as `task.multi` lists of at most `bufferLimit` events. Events are written
 * into the current list's bytes as they are sent (event-list.ts); a list is published two `setImmediate`s
 * after its first event: past the end of the event loop's turn and past the next turn's I/O
 * callbacks, so the commands those callbacks write (results, acks, the next fetch) are on their way
 * before the worker publishes events. While a list is being published the next ones collect and go
 * out when that publish is done: a busy worker sends fewer, fuller lists, an idle one sends each
 * turn's. Events are best effort, as in Celery: a publish that fails is reported once through
 * `warn` and dropped.
 */
import type { Broker } from '@celerity/core';
import { EVENT_EXCHANGE, TASK_BATCH_ROUTING_KEY, encodeEventsBytes } from '@celerity/core/internal';
import { EventListWriter } from './event-list.js';

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
  /** The list events are written to now; call {@link added} after each. */
  readonly list: EventListWriter;
  /** Full lists waiting to be published, oldest first. */
  private waiting: Buffer[] = [];
  /** The latest publish, while it is on its way. */
  private inFlight: Promise<void> | undefined;
  private readonly publishing = new Set<Promise<void>>();
  private queued = false;
  private warned = false;

  constructor(private readonly options: ListPublisherOptions) {
    this.list = new EventListWriter(options.hostname, options.pid);
  }

  /** Counts the event just written to {@link list}: it goes out after the next turn's I/O unless a list is on its way. */
  added(): void {
    if (this.list.count >= this.options.bufferLimit) this.waiting.push(this.list.take());
    if (this.inFlight === undefined) this.queue();
  }

  /** Publishes what waits now; resolves once everything written has been published (or has failed). */
  async flush(): Promise<void> {
    while (this.publishing.size > 0 || this.pending()) {
      if (this.pending() && this.inFlight === undefined) this.send();
      await Promise.all([...this.publishing]);
    }
  }

  private pending(): boolean {
    return this.waiting.length > 0 || this.list.count > 0;
  }

  private queue(): void {
    if (this.queued) return;
    this.queued = true;
    setImmediate(this.queueAgain);
  }

  // A setImmediate made in this turn's check phase runs in the next turn's, after its I/O callbacks.
  private readonly queueAgain = (): void => {
    setImmediate(this.sendQueued);
  };

  private readonly sendQueued = (): void => {
    this.queued = false;
    if (this.pending() && this.inFlight === undefined) this.send();
  };

  private send(): void {
    if (this.list.count > 0) this.waiting.push(this.list.take());
    const lists = this.waiting;
    this.waiting = [];
    for (const body of lists) this.inFlight = this.publish(body);
  }

  private publish(body: Buffer): Promise<void> {
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
      if (this.inFlight !== done) return;
      this.inFlight = undefined;
      if (this.pending()) this.queue();
    });
    this.publishing.add(done);
    return done;
  }
}
