/** Messages between a worker and its events thread (events-thread.ts, events-thread-handle.ts). */
import type { BrokerRecipe } from '@celerity/core';
import type { EventRecords } from './event-records.js';

/** The thread's `workerData`. */
export interface EventsThreadData {
  recipe: BrokerRecipe;
  hostname: string;
  pid: number;
  bufferLimit: number;
}

export type ToEventsThread =
  | { kind: 'records'; records: EventRecords; count: number }
  /** Answered with `flushed` once everything sent before it is published. */
  | { kind: 'flush'; id: number }
  /** Flushes, closes the thread's broker, answers `closed`. */
  | { kind: 'close' };

export type FromEventsThread =
  | { kind: 'ready' }
  | { kind: 'flushed'; id: number }
  | { kind: 'closed' }
  /** A publish failed (reported once) or the broker could not be opened (`fatal`). */
  | { kind: 'warn'; message: string; fatal: boolean };
