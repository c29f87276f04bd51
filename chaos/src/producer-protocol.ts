/** Messages between the harness and its producer process. */
import type { BrokerKind } from './brokers.js';
import type { TaskToSend } from './producer.js';

/** Harness → producer: what to publish. */
export interface ProduceCommand {
  type: 'produce';
  broker: BrokerKind;
  url: string;
  queue: string;
  tasks: readonly TaskToSend[];
  rate: number;
  batch: number;
  /** Adapter options of the client's broker (e.g. `master_name`, `wait_replicas`). */
  brokerOptions?: Record<string, unknown>;
}

/** Producer → harness. */
export type ProducerMessage =
  /** Every 250 ms while its event loop turns. */
  | { type: 'alive' }
  /** A batch whose publish resolved. */
  | { type: 'sent'; ids: string[] }
  /** A batch whose publish rejected. */
  | { type: 'failed'; ids: string[]; error: string }
  | { type: 'done' }
  | { type: 'error'; error: string };
