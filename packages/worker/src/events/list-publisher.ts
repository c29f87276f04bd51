/**
 * Publishes task event records as `task.multi` lists of at most `bufferLimit` events. A list is
 * written and published two `setImmediate`s after its events are added: past the end of the event
 * loop's turn and past the next turn's I/O callbacks, so the commands those callbacks write
 * (results, acks, the next fetch) are on their way before the worker spends time on events, which
 * it then does while the server works on them. While a list is being published the next ones
 * collect and go out when that publish is done: a busy worker sends fewer, fuller lists, an idle
 * one sends each turn's. Events are best effort, as in Celery: a publish that fails is reported
 * once through `warn` and dropped.
 */
import type { Broker, Envelope } from '@celerity/core';
import { EVENT_EXCHANGE, TASK_BATCH_ROUTING_KEY, asciiBytes, encodeEventsBytes } from '@celerity/core/internal';
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
  /** What goes with a list sent as text: an event message's headers and properties. */
  private readonly textEnvelope: Omit<Envelope, 'body'>;
  /** Lists waiting to be published, oldest first; only the last one takes more events. */
  private waiting: EventRecords[] = [];
  /** Events in the last waiting list. */
  private lastCount = 0;
  /** The latest publish, while it is on its way. */
  private inFlight: Promise<void> | undefined;
  private readonly publishing = new Set<Promise<void>>();
  private queued = false;
  private warned = false;

  constructor(private readonly options: ListPublisherOptions) {
    // A broker that takes a JSON body as text gets the lists written escaped for it (no base64).
    this.writer = new EventWriter(options.hostname, options.pid, options.broker.broadcastJsonText === undefined ? 'json' : 'in-json-string');
    const { body: _none, ...envelope } = encodeEventsBytes(new Uint8Array(0), options.hostname);
    this.textEnvelope = envelope;
  }

  /** The writer of this sender's events (its `event()` writes JSON, for events sent one by one). */
  get events(): EventWriter {
    return this.writer;
  }

  /** Adds `count` events' records (at most `bufferLimit`); they go out after the next turn's I/O unless a list is on its way. */
  add(records: EventRecords, count: number): void {
    const last = this.waiting[this.waiting.length - 1];
    if (last === undefined || this.lastCount + count > this.options.bufferLimit) {
      this.waiting.push(records);
      this.lastCount = count;
    } else {
      for (const value of records) last.push(value);
      this.lastCount += count;
    }
    if (this.inFlight === undefined) this.queue();
  }

  /** Publishes what waits now; resolves once everything added has been published (or has failed). */
  async flush(): Promise<void> {
    while (this.publishing.size > 0 || this.waiting.length > 0) {
      if (this.waiting.length > 0 && this.inFlight === undefined) this.send();
      await Promise.all([...this.publishing]);
    }
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
    if (this.waiting.length > 0 && this.inFlight === undefined) this.send();
  };

  private send(): void {
    const lists = this.waiting;
    this.waiting = [];
    this.lastCount = 0;
    for (const records of lists) this.inFlight = this.publish(records);
  }

  private sendList(records: EventRecords): Promise<void> {
    const { broker, hostname } = this.options;
    const parts = this.writer.write(records, ['[']);
    parts.push(']');
    if (broker.broadcastJsonText !== undefined) return broker.broadcastJsonText(EVENT_EXCHANGE, TASK_BATCH_ROUTING_KEY, parts, this.textEnvelope);
    return broker.broadcast(EVENT_EXCHANGE, TASK_BATCH_ROUTING_KEY, encodeEventsBytes(asciiBytes(parts), hostname));
  }

  private publish(records: EventRecords): Promise<void> {
    const sent = this.sendList(records).then(
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
      if (this.waiting.length > 0) this.queue();
    });
    this.publishing.add(done);
    return done;
  }
}
