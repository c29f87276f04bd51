/**
 * The memory broker's dead-letter queues: per hub, an array of stored envelopes per source queue,
 * so brokers sharing a hub (a client, a worker, the `celerity dlq` command in one process) see the
 * same entries.
 */
import type { Envelope } from '../broker.js';
import type { DeadLetter, DeadLetterQueue } from '../dead-letters.js';
import { markDeadLetter, readDeadLetter, replayEnvelope } from '../dead-letters.js';
import type { BrokerHub } from './broker-hub.js';
import { copyEnvelope } from './envelope-copy.js';
import { priorityLevel } from './fifo.js';

function read(queue: string, envelope: Envelope): DeadLetter {
  const copy = copyEnvelope(envelope);
  return readDeadLetter(queue, { envelope: copy, bytes: copy.body });
}

/** The dead-letter queues of one hub, checked for an open broker by `ensureOpen`. */
export function createMemoryDeadLetters(hub: BrokerHub, ensureOpen: () => void): DeadLetterQueue {
  const entries = (queue: string): Envelope[] => hub.deadLetters.get(queue) ?? [];
  return {
    async add(queue, envelope, info) {
      ensureOpen();
      const list = hub.deadLetters.get(queue) ?? [];
      list.push(copyEnvelope(markDeadLetter(envelope, queue, info)));
      hub.deadLetters.set(queue, list);
    },
    async count(queue) {
      ensureOpen();
      return entries(queue).length;
    },
    async list(queue, options = {}) {
      ensureOpen();
      const all = entries(queue);
      return (options.limit === undefined ? all : all.slice(0, options.limit)).map((e) => read(queue, e));
    },
    async get(queue, id) {
      ensureOpen();
      return entries(queue)
        .map((e) => read(queue, e))
        .find((d) => d.id === id);
    },
    async replay(queue, selection, options = {}) {
      ensureOpen();
      const list = entries(queue);
      const chosen = 'id' in selection ? list.filter((e) => read(queue, e).id === selection.id).slice(0, 1) : [...list];
      let replayed = 0;
      for (const envelope of chosen) {
        list.splice(list.indexOf(envelope), 1);
        const fresh = copyEnvelope(replayEnvelope(envelope));
        hub.enqueue(queue, { envelope: fresh, exchange: '', routingKey: queue, redelivered: false, priority: priorityLevel(fresh.properties.priority) });
        options.onReplayed?.(++replayed);
      }
      if (list.length === 0) hub.deadLetters.delete(queue);
      return chosen.length;
    },
    async purge(queue) {
      ensureOpen();
      const n = entries(queue).length;
      hub.deadLetters.delete(queue);
      return n;
    },
  };
}
