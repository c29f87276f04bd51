/**
 * The Redis keys a consumer reads, per rotation of its queues (kombu rotates the queue it took from
 * to the end of the cycle): the fetch script's KEYS. On a cluster each key set holds one queue.
 */
import type { Keyspace } from './keys.js';
import { pythonJsonString } from '@celerity/core/internal';

/** A popped message: the queue and list it came from, its delivery tag and exact bytes. */
export interface Item {
  queue: string;
  /** The list it was popped from. */
  key: string;
  tag: string;
  raw: Buffer;
}

/** The keys of one rotation of a consumer's queues, in the order the fetch script reads them. */
export interface KeySet {
  order: string[];
  /** The `unacked` hash these queues' messages are recorded in (KEYS[1]). */
  unacked: string;
  keys: string[];
  queueArgs: string[];
  indexOfKey: Map<string, number>;
}

/**
 * Builds the key set for one queue order.
 * @example
 * const set = buildKeySet(keys, ['celery', 'other']);
 */
export function buildKeySet(keys: Keyspace, order: string[]): KeySet {
  // One server: every queue shares them. A cluster: a key set holds one queue (its keys, one slot).
  const first = order[0] ?? '';
  const all = [keys.unackedOf(first), keys.unackedIndexOf(first)];
  const indexOfKey = new Map<string, number>();
  for (const queue of order) {
    for (const list of keys.lists(queue)) {
      all.push(list);
      indexOfKey.set(list, all.length); // Lua KEYS are 1-based
    }
    all.push(keys.dead(queue));
  }
  return { order, unacked: all[0] ?? '', keys: all, queueArgs: order.map(pythonJsonString), indexOfKey };
}
