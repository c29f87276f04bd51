/** A message handed out by a Redis consumer; settling it goes back to its consumer. */
import type { Delivery, Envelope } from '@celerity/core';

/** What settles a delivery (its consumer). */
export interface DeliveryOwner {
  settle(delivery: RedisDelivery, requeue: boolean): Promise<void>;
}

/** One message handed to a handler. */
export class RedisDelivery implements Delivery {
  /** Set once acked, rejected or restored by `close()`; later calls do nothing. */
  settled = false;
  /** Settles when its `unacked` entry is written, if it was handed out before that (BRPOP path). */
  recorded: Promise<unknown> | undefined;
  /**
   * Popped by BRPOP and its `unacked` entry not yet sent. An ack in that state leaves nothing to
   * write (the entry it would remove never exists), so the consumer skips both writes.
   */
  unrecorded = false;
  /** Acked while unrecorded: its bookkeeping must not be written. */
  ackedUnrecorded = false;
  constructor(
    readonly envelope: Envelope,
    readonly queue: string,
    readonly exchange: string,
    readonly routingKey: string,
    readonly redelivered: boolean,
    readonly deliveryTag: string,
    private readonly owner: DeliveryOwner,
  ) {}
  ack(): Promise<void> {
    return this.owner.settle(this, false);
  }
  reject(options?: { requeue?: boolean }): Promise<void> {
    return this.owner.settle(this, options?.requeue === true);
  }
}
