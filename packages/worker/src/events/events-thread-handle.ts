/**
 * The worker's side of its events thread (events-thread.ts): hands it task event records, asks it
 * to flush, closes it. A thread that cannot open its broker or dies reports through `onFailure`
 * once; what was handed to it and not yet published is lost then (events are best effort).
 */
import { Worker as Thread } from 'node:worker_threads';
import type { BrokerRecipe, Logger } from '@celerity/core';
import { siblingModule, threadExecArgv, threadScript } from '../thread-script.js';
import type { EventRecords } from './event-records.js';
import type { EventsThreadData, FromEventsThread, ToEventsThread } from './events-thread-protocol.js';

const entry = siblingModule(import.meta.url, 'events-thread');

/** Options of {@link EventsThread}. */
export interface EventsThreadOptions {
  recipe: BrokerRecipe;
  hostname: string;
  pid: number;
  bufferLimit: number;
  logger: Logger;
  /** The thread is gone (could not open its broker, or ended): send events another way from now on. */
  onFailure(): void;
}

/** See the module comment. */
export class EventsThread {
  private readonly thread: Thread;
  private nextFlush = 0;
  private readonly flushes = new Map<number, () => void>();
  private closed: (() => void) | undefined;
  private alive = true;

  constructor(private readonly options: EventsThreadOptions) {
    const data: EventsThreadData = { recipe: options.recipe, hostname: options.hostname, pid: options.pid, bufferLimit: options.bufferLimit };
    this.thread = new Thread(threadScript(entry), { eval: true, workerData: data, execArgv: threadExecArgv(entry) });
    // It must not keep a worker's process alive: stop() closes it, and a process that exits
    // without stopping loses its last events either way.
    this.thread.unref();
    this.thread.on('message', (message: FromEventsThread) => this.receive(message));
    this.thread.on('error', (error) => this.fail(`The events thread failed: ${error.message}`));
    this.thread.on('exit', () => this.fail('The events thread ended'));
  }

  /** Hands `count` events' records to the thread. */
  post(records: EventRecords, count: number): void {
    if (this.alive) this.send({ kind: 'records', records, count });
  }

  /** Resolves once what was posted before is published (at once when the thread is gone). */
  flush(): Promise<void> {
    if (!this.alive) return Promise.resolve();
    const id = this.nextFlush++;
    return new Promise((resolve) => {
      this.flushes.set(id, resolve);
      this.send({ kind: 'flush', id });
    });
  }

  /** Flushes and ends the thread. */
  async close(): Promise<void> {
    if (!this.alive) return;
    const closed = new Promise<void>((resolve) => (this.closed = resolve));
    this.send({ kind: 'close' });
    await closed;
  }

  private send(message: ToEventsThread): void {
    this.thread.postMessage(message);
  }

  private receive(message: FromEventsThread): void {
    if (message.kind === 'flushed') {
      this.flushes.get(message.id)?.();
      this.flushes.delete(message.id);
    } else if (message.kind === 'closed') {
      this.settle(false);
    } else if (message.kind === 'warn') {
      if (message.fatal) this.fail(message.message);
      else this.options.logger.warn(message.message);
    }
  }

  private fail(reason: string): void {
    if (!this.alive) return;
    this.options.logger.warn(`${reason}; task events are sent from the main thread from now on`);
    this.settle(true);
    void this.thread.terminate();
    this.options.onFailure();
  }

  // Whatever waits on the thread is released, whether it closed or failed.
  private settle(failed: boolean): void {
    if (!this.alive) return;
    this.alive = false;
    for (const resolve of this.flushes.values()) resolve();
    this.flushes.clear();
    this.closed?.();
    if (!failed) void this.thread.terminate();
  }
}
