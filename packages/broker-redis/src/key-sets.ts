/**
 * The Redis keys a consumer reads, per rotation of its queues (kombu rotates the queue it took from
 * to the end of the cycle): the fetch script's KEYS and the BRPOP key list.
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

/** The keys of one rotation of a consumer's queues, in the order the fetch script and BRPOP read them. */
export interface KeySet {
  order: string[];
  keys: string[];
  queueArgs: string[];
  /** BRPOP keys: every queue's step-0 list, then step 3, 6, 9. */
  blockKeys: string[];
  indexOfKey: Map<string, number>;
}

/**
 * Builds the key set for one queue order.
 * @example
 * const set = buildKeySet(keys, ['celery', 'other']);
 */
export function buildKeySet(keys: Keyspace, order: string[]): KeySet {
  const all = [keys.unacked, keys.unackedIndex];
  const indexOfKey = new Map<string, number>();
  for (const queue of order) {
    for (const list of keys.lists(queue)) {
      all.push(list);
      indexOfKey.set(list, all.length); // Lua KEYS are 1-based
    }
    all.push(keys.dead(queue));
  }
  const blockKeys = [0, 1, 2, 3].flatMap((level) => order.map((queue) => keys.lists(queue)[level] ?? ''));
  return { order, keys: all, queueArgs: order.map(pythonJsonString), blockKeys, indexOfKey };
}
