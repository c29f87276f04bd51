/**
 * In-flight lists close kombu's pop gap. BRPOP hands a message to the client and removes it from
 * Redis in the same step; a worker killed before it writes the `unacked` entry loses the message
 * (kombu has the same window). Instead an idle consumer moves a message with BLMOVE into a list of
 * its own, `<prefix>_celerity.inflight.<consumer>.<queue>`, and the fetch script moves it from there
 * into `unacked` / `unacked_index` before anything runs it: at every moment the message is in one
 * Redis key.
 *
 * A consumer registers each of its in-flight lists in the zset `<prefix>_celerity.inflight`
 * (member: JSON `[inflight list, source list]`, score: the unix time its registration lapses) and
 * renews it while it blocks. The restore pass of every Celerity broker gives the contents of lapsed
 * lists back to their source list, unchanged and consumed next, as if never popped. Python workers
 * never see these lists: they only hold a message for the instant between BLMOVE and the fetch.
 */
import type { RedisClient } from '@celerity/redis-common/internal';
import { runScript } from '@celerity/redis-common/internal';
import type { Keyspace } from './keys.js';
import { INFLIGHT_RETURN_SCRIPT, INFLIGHT_SWEEP_SCRIPT } from './scripts.js';

/** Seconds a consumer's registration lives without renewal: what a dead consumer's message waits, at most, plus a restore interval. */
export const INFLIGHT_LEASE_SECONDS = 30;

/** One in-flight list of a consumer and the list its messages come from. */
export interface InflightList {
  key: string;
  source: string;
  /** The registry it is listed in (one for every queue on one server, per queue on a cluster). */
  registry: string;
  /** The registry member (JSON `[key, source]`). */
  member: string;
}

/** The in-flight list of `consumerId` for `queue`'s ordinary (priority 0) list. */
export function inflightList(keys: Keyspace, consumerId: string, queue: string): InflightList {
  const key = keys.inflight(consumerId, queue);
  const source = keys.list(queue, 0);
  return { key, source, registry: keys.inflightRegistryOf(queue), member: JSON.stringify([key, source]) };
}

/**
 * Keeps a consumer's in-flight lists registered: renewed before a blocking wait when a third of the
 * lease has passed (awaited, so the registration exists before BLMOVE can move anything).
 */
export class InflightLease {
  private renewedAt = -Infinity;

  constructor(
    private readonly client: RedisClient,
    private readonly lists: readonly InflightList[],
    private readonly now: () => number,
  ) {}

  async renew(): Promise<void> {
    const now = this.now();
    if (now - this.renewedAt < (INFLIGHT_LEASE_SECONDS * 1000) / 3) return;
    const until = now / 1000 + INFLIGHT_LEASE_SECONDS;
    const byRegistry = new Map<string, Array<number | string>>();
    for (const list of this.lists) byRegistry.set(list.registry, [...(byRegistry.get(list.registry) ?? []), until, list.member]);
    await Promise.all([...byRegistry].map(([registry, members]) => this.client.zadd(registry, ...members)));
    this.renewedAt = now;
  }

  /** Gives back whatever the lists hold (a BLMOVE that finished during cancel) and drops the registration. */
  async release(): Promise<number> {
    const counts = await Promise.all(
      this.lists.map((list) => runScript(this.client, INFLIGHT_RETURN_SCRIPT, [list.registry, list.key, list.source], [list.member]) as Promise<number>),
    );
    this.renewedAt = -Infinity;
    return counts.reduce((sum, n) => sum + Number(n), 0);
  }
}

/** Gives the contents of every lapsed in-flight list back to its source list; returns how many messages moved. */
export async function sweepLapsedInflight(client: RedisClient, keys: Keyspace, now: number): Promise<number> {
  return Number(await runScript(client, INFLIGHT_SWEEP_SCRIPT, [keys.inflightRegistry], [String(now / 1000)]));
}

/**
 * The cluster form of {@link sweepLapsedInflight} for one queue's registry: the sweep script reads
 * list names out of the registry, keys it could not declare, so here the lapsed members are read
 * first and each list is given back by the return script, with its keys declared. A member whose
 * lists are not this queue's (not written by us) is dropped.
 */
export async function sweepLapsedInflightOf(client: RedisClient, keys: Keyspace, queue: string, now: number): Promise<number> {
  const registry = keys.inflightRegistryOf(queue);
  const lapsed = await client.zrangebyscore(registry, '-inf', String(now / 1000), 'LIMIT', 0, 100);
  let moved = 0;
  for (const member of lapsed) {
    let pair: unknown;
    try {
      pair = JSON.parse(member);
    } catch {
      pair = undefined;
    }
    const [list, source] = Array.isArray(pair) ? (pair as unknown[]) : [];
    const ours = typeof list === 'string' && source === keys.list(queue, 0) && list.startsWith(keys.inflight('', queue));
    if (!ours) {
      await client.zrem(registry, member);
      continue;
    }
    moved += Number(await runScript(client, INFLIGHT_RETURN_SCRIPT, [registry, list, source], [member]));
  }
  return moved;
}
