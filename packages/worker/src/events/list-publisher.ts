/**
 * Collects task events into `task.multi` lists of at most `bufferLimit` events (event-list.ts) and
 * publishes them. A list is published two `setImmediate`s after its first event: past the end of
 * the event loop's turn and past the next turn's I/O callbacks, so the commands those callbacks
 * write (results, acks, the next fetch) are on their way before the worker spends time on events,
 * which it then does while the server works on them. While a list is being published the next
 * ones collect and go out when that publish is done: a busy worker sends fewer, fuller lists, an
 * idle one sends each turn's. Events are best effort, as in Celery: a publish that fails is
 * reported once through `warn` and dropped.
 */
import type { Broker } from '@celerity/core';
import { EVENT_EXCHANGE, TASK_BATCH_ROUTING_KEY, encodeEventsBytes } from '@celerity/core/internal';
import { EventList } from './event-list.js';

/** Options of {@link ListPublisher}. */
export interface ListPublisherOptions {
  broker: Broker;
  hostname: string;
  /** Events in one list at most. */
  bufferLimit: number;
  /** Called once, for the first publish that fails. */
  warn(message: string, error: unknown): void;
}

/** See the module comment. */
export class ListPublisher {
  /** The list events are written into now. */
  private filling = new EventList();
  /** Full lists waiting to be published, oldest first. */
  private full: EventList[] = [];
  /** The latest publish, while it is on its way. */
  private inFlight: Promise<void> | undefined;
  private readonly publishing = new Set<Promise<void>>();
  private queued = false;
  private warned = false;

  constructor(private readonly options: ListPublisherOptions) {}

  /** The list to write the next event into; call {@link added} after writing it. */
  list(): EventList {
    return this.filling;
  }

  /** Counts the event just written: a full list is set aside, and a publish is queued unless one is on its way. */
  added(): void {
    if (this.filling.count >= this.options.bufferLimit) {
      this.full.push(this.filling);
      this.filling = new EventList();
    }
    if (this.inFlight === undefined) this.queue();
  }

  /** Publishes everything written so far now; resolves once it has been published (or has failed). */
  async flush(): Promise<void> {
    while (this.publishing.size > 0 || this.waiting()) {
      if (this.waiting() && this.inFlight === undefined) this.send();
      await Promise.all([...this.publishing]);
    }
  }

  private waiting(): boolean {
    return this.full.length > 0 || this.filling.count > 0;
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
    if (this.waiting() && this.inFlight === undefined) this.send();
  };

  private send(): void {
    const lists = this.full;
    this.full = [];
    if (this.filling.count > 0) {
      lists.push(this.filling);
      this.filling = new EventList();
    }
    for (const list of lists) this.inFlight = this.publish(list);
  }

  private publish(list: EventList): Promise<void> {
    const body = list.finish();
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
      if (this.waiting()) this.queue();
    });
    this.publishing.add(done);
    return done;
  }
}
