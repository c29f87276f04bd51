/**
 * The Redis broker's dead-letter queues: the list `<prefix>_celerity.dead.<queue>`, where the
 * consumer already sets undecodable items aside (raw, as read) and where dead letters are pushed as
 * kombu envelopes with their reason headers — one place for both. LPUSH adds, so the oldest entry
 * is at the tail. Listing reads with LRANGE (nothing is consumed); a replay moves one exact entry
 * back to its queue's list with one script, so a concurrent replay cannot send it twice.
 */
import { randomUUID } from 'node:crypto';
import type { RedisClient } from '@celerity/redis-common/internal';
import type { DeadLetter, DeadLetterQueue, Envelope } from '@celerity/core';
import { markDeadLetter, readDeadLetter, replayEnvelope } from '@celerity/core/internal';
import { runScript } from '@celerity/redis-common/internal';
import { decodeKombuEnvelope, encodeKombuEnvelope } from './envelope.js';
import type { Keyspace } from './keys.js';
import { REPLAY_DEAD_LETTER_SCRIPT } from './scripts.js';

/** What the dead-letter queues need from the broker. */
export interface DeadLetterHost {
  readonly client: RedisClient;
  readonly keys: Keyspace;
  /** Runs a command with the broker's reconnect and timeout handling. */
  run<T>(what: string, op: () => Promise<T>): Promise<T>;
}

const PAGE = 200;

function read(queue: string, raw: Buffer): DeadLetter {
  let envelope: Envelope | null = null;
  try {
    envelope = decodeKombuEnvelope(raw).envelope;
  } catch {
    envelope = null;
  }
  return readDeadLetter(queue, { envelope, raw, bytes: raw });
}

/** Creates the dead-letter queues of a Redis broker. */
export function createRedisDeadLetters(host: DeadLetterHost): DeadLetterQueue {
  const { client, keys } = host;

  /** Entries oldest first, with the raw bytes each was read from, page by page from the tail. */
  async function* entries(queue: string): AsyncGenerator<{ raw: Buffer; entry: DeadLetter }> {
    const key = keys.dead(queue);
    for (let end = -1; ; end -= PAGE) {
      const page = await host.run('dead-letter list', () => client.lrangeBuffer(key, end - PAGE + 1, end));
      for (let i = page.length - 1; i >= 0; i--) {
        const raw = page[i] as Buffer;
        yield { raw, entry: read(queue, raw) };
      }
      if (page.length < PAGE) return;
    }
  }

  const replayOne = async (queue: string, raw: Buffer, envelope: Envelope): Promise<boolean> => {
    const fresh = replayEnvelope(envelope);
    const encoded = encodeKombuEnvelope(fresh, { exchange: '', routingKey: queue, deliveryTag: randomUUID() });
    const target = keys.list(queue, fresh.properties.priority ?? 0);
    const moved = await host.run('dead-letter replay', () => runScript(client, REPLAY_DEAD_LETTER_SCRIPT, [keys.dead(queue), target], [raw, encoded]));
    return moved === 1;
  };

  return {
    async add(queue, envelope, info) {
      const encoded = encodeKombuEnvelope(markDeadLetter(envelope, queue, info), { exchange: '', routingKey: queue, deliveryTag: randomUUID() });
      await host.run('dead-letter add', () => client.lpush(keys.dead(queue), encoded));
    },
    count(queue) {
      return host.run('dead-letter count', () => client.llen(keys.dead(queue)));
    },
    async list(queue, options = {}) {
      const out: DeadLetter[] = [];
      if (options.limit !== undefined && options.limit <= 0) return out;
      for await (const { entry } of entries(queue)) {
        out.push(entry);
        if (options.limit !== undefined && out.length >= options.limit) break;
      }
      return out;
    },
    async get(queue, id) {
      for await (const { entry } of entries(queue)) if (entry.id === id) return entry;
      return undefined;
    },
    async replay(queue, selection, options = {}) {
      // Collected first: replaying while paging would shift the pages under the reader.
      const chosen: Array<{ raw: Buffer; envelope: Envelope }> = [];
      for await (const { raw, entry } of entries(queue)) {
        if (entry.envelope === null) continue;
        if ('id' in selection && entry.id !== selection.id) continue;
        chosen.push({ raw, envelope: entry.envelope });
        if ('id' in selection) break;
      }
      let replayed = 0;
      for (const { raw, envelope } of chosen) {
        if (!(await replayOne(queue, raw, envelope))) continue;
        replayed++;
        options.onReplayed?.(replayed);
      }
      return replayed;
    },
    purge(queue) {
      return host.run('dead-letter purge', async () => {
        const replies = (await client.multi().llen(keys.dead(queue)).del(keys.dead(queue)).exec()) ?? [];
        return Number(replies[0]?.[1] ?? 0);
      });
    },
  };
}
