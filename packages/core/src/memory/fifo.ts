/**
 * The queue storage of the memory broker: a FIFO per priority level, so a queue with thousands of
 * messages costs O(1) per put / take instead of `Array#shift`'s O(n).
 */

/** A double-ended FIFO backed by an array and a moving head index. */
export class Fifo<T> {
  #items: T[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  /** Puts an item back at the front (a requeued message is the next one taken, as on RabbitMQ). */
  unshift(item: T): void {
    if (this.#head > 0) {
      this.#head -= 1;
      this.#items[this.#head] = item;
    } else {
      this.#items.unshift(item);
    }
  }

  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head] as T;
    // Drop the reference so a consumed 5 MB body can be collected before the array compacts.
    (this.#items as Array<T | undefined>)[this.#head] = undefined;
    this.#head += 1;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  clear(): number {
    const n = this.length;
    this.#items = [];
    this.#head = 0;
    return n;
  }
}

/** Priority levels 0..9 as on kombu and RabbitMQ (`x-max-priority` ≤ 9 is what Celery uses). */
export const PRIORITY_LEVELS = 10;

/** Clamps any priority property to an integer level 0..9; a missing or invalid one is 0. */
export function priorityLevel(priority: unknown): number {
  if (typeof priority !== 'number' || !Number.isFinite(priority)) return 0;
  return Math.min(PRIORITY_LEVELS - 1, Math.max(0, Math.trunc(priority)));
}

/** One queue: a FIFO per priority level, taken in the order the consuming broker asks for. */
export class PriorityFifo<T> {
  readonly #levels: Array<Fifo<T>> = Array.from({ length: PRIORITY_LEVELS }, () => new Fifo<T>());
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(level: number, item: T): void {
    this.#level(level).push(item);
    this.#length += 1;
  }

  unshift(level: number, item: T): void {
    this.#level(level).unshift(item);
    this.#length += 1;
  }

  /** Takes the next item: lowest level first (`low-first`, Redis) or highest first (`high-first`, AMQP). */
  shift(order: 'low-first' | 'high-first'): T | undefined {
    if (this.#length === 0) return undefined;
    for (let i = 0; i < PRIORITY_LEVELS; i++) {
      const level = order === 'low-first' ? i : PRIORITY_LEVELS - 1 - i;
      const item = this.#level(level).shift();
      if (item !== undefined) {
        this.#length -= 1;
        return item;
      }
    }
    return undefined;
  }

  clear(): number {
    let n = 0;
    for (const fifo of this.#levels) n += fifo.clear();
    this.#length = 0;
    return n;
  }

  #level(level: number): Fifo<T> {
    return this.#levels[priorityLevel(level)] as Fifo<T>;
  }
}
