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
  /** Its place in {@link HeldDeliveries} while held, else -1. */
  slot = -1;
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

/**
 * The deliveries handed out and not settled (restored by the broker's `close()`). Array slots rather
 * than a Set: a Set's table is reallocated each time it grows or shrinks with a batch, garbage that
 * outlives young-generation collections on a busy worker.
 */
export class HeldDeliveries {
  private slots: Array<RedisDelivery | undefined> = [];
  private free: number[] = [];

  add(delivery: RedisDelivery): void {
    const slot = this.free.pop() ?? this.slots.length;
    this.slots[slot] = delivery;
    delivery.slot = slot;
  }

  delete(delivery: RedisDelivery): void {
    const { slot } = delivery;
    if (slot < 0 || this.slots[slot] !== delivery) return;
    this.slots[slot] = undefined;
    delivery.slot = -1;
    this.free.push(slot);
  }

  /** Delivery tags of the held deliveries (each has its `unacked` entry: the fetch script wrote it before handing it out). */
  tags(): string[] {
    const tags: string[] = [];
    for (const delivery of this.slots) if (delivery !== undefined) tags.push(delivery.deliveryTag);
    return tags;
  }

  /** The held deliveries' tags grouped by `keyOf(queue)`. */
  tagsBy(keyOf: (queue: string) => string): Map<string, string[]> {
    const groups = new Map<string, string[]>();
    for (const delivery of this.slots) {
      if (delivery === undefined) continue;
      const key = keyOf(delivery.queue);
      const tags = groups.get(key);
      if (tags === undefined) groups.set(key, [delivery.deliveryTag]);
      else tags.push(delivery.deliveryTag);
    }
    return groups;
  }

  /** Removes and returns every held delivery. */
  takeAll(): RedisDelivery[] {
    const taken: RedisDelivery[] = [];
    for (const delivery of this.slots) {
      if (delivery === undefined) continue;
      delivery.slot = -1;
      taken.push(delivery);
    }
    this.slots = [];
    this.free = [];
    return taken;
  }
}
