/**
 * Parking far-future tasks (opt-in, `parkEtaAfter`): a message whose ETA is further away than that
 * is not pushed onto its queue, where a worker would take it at once and hold it in memory until due,
 * but added to the zset `<prefix>_celerity.parked`, scored with the time it should be promoted (half
 * of `parkEtaAfter` before its ETA). The restore pass of every Celerity consumer, and a timer of the
 * producing broker while it is open, promote what is due: LPUSH of the exact bytes onto the list it
 * was meant for, so a Python worker sees an ordinary message. A million far-future tasks cost Redis
 * memory, not worker memory. A Redis used only by Python workers never promotes: parking needs a
 * Celerity worker or producer running.
 *
 * Member layout: `<list key length>:<list key><raw message>`, so the raw bytes come back unchanged
 * (a JSON array would go through cjson, which rewrites escapes).
 */
import type { RedisClient } from '@celerity/redis-common/internal';
import { runScript } from '@celerity/redis-common/internal';
import { parseCeleryDate } from '@celerity/core/internal';
import type { Envelope } from '@celerity/core';
import type { Keyspace } from './keys.js';
import { PROMOTE_PARKED_SCRIPT } from './scripts.js';

/** The smallest `parkEtaAfter`, seconds: below it the worker's own holding is cheaper. */
export const MIN_PARK_ETA_AFTER = 60;

/** The ETA of a protocol-v2 task envelope in ms, or undefined (no ETA, unparseable: it is pushed as is, protocol v1). */
export function etaOf(envelope: Envelope): number | undefined {
  const eta = envelope.headers['eta'];
  if (typeof eta !== 'string' || eta === '') return undefined;
  try {
    return parseCeleryDate(eta).getTime();
  } catch {
    return undefined;
  }
}

/**
 * When a message should be parked: its promotion time in unix seconds, or undefined to push it now.
 * @example parkUntil(envelope, 3600, Date.now()) // ETA in 2 h → promoted 30 min before it
 */
export function parkUntil(envelope: Envelope, parkEtaAfter: number | undefined, now: number): number | undefined {
  if (parkEtaAfter === undefined) return undefined;
  const eta = etaOf(envelope);
  if (eta === undefined || eta - now <= parkEtaAfter * 1000) return undefined;
  return (eta - (parkEtaAfter * 1000) / 2) / 1000;
}

/** The zset member for a raw message bound for `list`. */
export function parkedMember(list: string, raw: string): string {
  return `${Buffer.byteLength(list)}:${list}${raw}`;
}

/** Promotes every parked message whose time has come (in pages of 500); returns how many moved. */
export async function promoteParked(client: RedisClient, keys: Keyspace, now: number): Promise<number> {
  let total = 0;
  for (;;) {
    const moved = Number(await runScript(client, PROMOTE_PARKED_SCRIPT, [keys.parked, keys.dead('_celerity.parked')], [String(now / 1000), '500']));
    total += moved;
    if (moved < 500) return total;
  }
}
