/**
 * Key and channel names of kombu's Redis transport (spec §3.1, §3.5). kombu's `global_keyprefix`
 * is concatenated as-is in front of every key and pub/sub channel (never in front of set members).
 */

/** kombu's separator inside priority list names and binding members: the bytes 0x06 0x16. */
export const KOMBU_SEP = '\x06\x16';

/** kombu's priority steps: priorities 0–2 share the bare list, 3–5 `\x06\x163`, 6–8 `\x06\x166`, 9 `\x06\x169`. */
export const PRIORITY_STEPS: readonly number[] = [0, 3, 6, 9];

/** The priority step a message priority maps to (clamped to 0..9; non-numbers count as 0, as in kombu). */
export function priorityStep(priority: unknown): number {
  const n = typeof priority === 'number' && Number.isFinite(priority) ? Math.trunc(priority) : 0;
  const p = n < 0 ? 0 : n > 9 ? 9 : n;
  return p >= 9 ? 9 : p >= 6 ? 6 : p >= 3 ? 3 : 0;
}

/**
 * The list a message of `priority` lives in: the queue name itself for 0–2, else
 * `<queue>\x06\x16<step>` (kombu `_q_for_pri`). Not prefixed.
 * @example
 * priorityQueueKey('celery', 5); // 'celery\x06\x163'
 */
export function priorityQueueKey(queue: string, priority: number): string {
  const step = priorityStep(priority);
  return step === 0 ? queue : `${queue}${KOMBU_SEP}${step}`;
}

/** The four lists of a queue, highest priority (step 0) first. Not prefixed. */
export function priorityQueueKeys(queue: string): string[] {
  return PRIORITY_STEPS.map((step) => priorityQueueKey(queue, step));
}

/** Member of `_kombu.binding.<exchange>`: `<routing key>\x06\x16<pattern>\x06\x16<queue>`. */
export function bindingMember(routingKey: string, queue: string, pattern = ''): string {
  return `${routingKey}${KOMBU_SEP}${pattern}${KOMBU_SEP}${queue}`;
}

/** Splits a binding member into its parts, or `undefined` when it is not one. */
export function parseBindingMember(member: string): { routingKey: string; pattern: string; queue: string } | undefined {
  const parts = member.split(KOMBU_SEP);
  if (parts.length !== 3) return undefined;
  const [routingKey = '', pattern = '', queue = ''] = parts;
  return { routingKey, pattern, queue };
}

// Glob characters are escaped where a name is used literally inside a PSUBSCRIBE pattern.
const GLOB_SPECIAL = /[\\*?[\]]/g;

/**
 * Glob patterns (for PSUBSCRIBE) covering every channel `<base>[/<routing key>]` whose routing key an
 * AMQP binding key can match; exact matching happens on receipt ({@link topicMatches}). kombu turns
 * `#` into `*` and subscribes to that alone; these globs are a superset of its channels (and of the
 * channels kombu publishes to). A `''` binding (fanout) and keys that match the empty routing key
 * also cover the bare `<base>` channel, where kombu publishes messages without a routing key.
 */
export function channelPatterns(base: string, bindingKey: string): string[] {
  const literal = base.replace(GLOB_SPECIAL, '\\$&');
  if (bindingKey === '') return [literal, `${literal}/*`];
  const glob = bindingKey
    .split('.')
    .map((word) => (word === '#' || word === '*' ? word : word.replace(GLOB_SPECIAL, '\\$&')))
    .join('.')
    // `#` may match zero words, so the dots around it are optional: `a.#` must also see `a`.
    .replace(/\.?#\.?/g, '*');
  const patterns = [`${literal}/${glob}`];
  if (topicMatches(bindingKey, '')) patterns.push(literal);
  return patterns;
}

/** AMQP topic matching: words split on `.`, `*` is exactly one word, `#` zero or more; `''` matches everything (fanout). */
export function topicMatches(bindingKey: string, routingKey: string): boolean {
  if (bindingKey === '') return true;
  const pattern = bindingKey.split('.');
  const words = routingKey === '' ? [] : routingKey.split('.');
  const match = (pi: number, wi: number): boolean => {
    if (pi === pattern.length) return wi === words.length;
    const segment = pattern[pi];
    if (segment === '#') {
      for (let k = wi; k <= words.length; k++) if (match(pi + 1, k)) return true;
      return false;
    }
    if (wi === words.length) return false;
    return (segment === '*' || segment === words[wi]) && match(pi + 1, wi + 1);
  };
  return match(0, 0);
}

/** All names this broker uses, with the key prefix and DB number applied. */
export interface Keyspace {
  readonly prefix: string;
  readonly db: number;
  /**
   * The Redis Cluster layout (see {@link createClusterKeyspace}): each queue's keys share the hash
   * tag `{<queue>}` and the ack bookkeeping is per queue. False: kombu's single-server layout.
   */
  readonly cluster: boolean;
  /** The `unacked` hash holding `queue`'s messages: {@link Keyspace.unacked} on one server, per queue on a cluster. */
  unackedOf(queue: string): string;
  /** The `unacked_index` zset of `queue`'s messages (one for all queues on one server). */
  unackedIndexOf(queue: string): string;
  /** The restore mutex guarding `queue`'s `unacked_index` (one for all queues on one server). */
  unackedMutexOf(queue: string): string;
  /** The in-flight registry of `queue`'s consumers (one for all queues on one server). */
  inflightRegistryOf(queue: string): string;
  /** `<prefix>unacked` (hash tag → `[envelope, exchange, routing_key]`). */
  readonly unacked: string;
  /** `<prefix>unacked_index` (zset tag → unix seconds). */
  readonly unackedIndex: string;
  /** `<prefix>unacked_mutex` (lock of the visibility restore pass). */
  readonly unackedMutex: string;
  /** `<prefix><priority list of queue>`. */
  list(queue: string, priority: number): string;
  /** The four prefixed lists of a queue, step 0 first. */
  lists(queue: string): string[];
  /** `<prefix>_kombu.binding.<exchange>`. */
  binding(exchange: string): string;
  /** `<prefix>_celerity.dead.<queue>`: where undecodable items of a queue are set aside. */
  dead(queue: string): string;
  /** `<prefix>_celerity.inflight.<consumer>.<queue>`: a consumer's in-flight list for a queue (see inflight.ts). */
  inflight(consumerId: string, queue: string): string;
  /** `<prefix>_celerity.inflight`: zset of in-flight lists and the time their registration lapses. */
  readonly inflightRegistry: string;
  /** `<prefix>_celerity.parked`: zset of far-future messages and the time they are promoted (see parking.ts). */
  readonly parked: string;
  /** `<prefix>/<db>.<exchange>[/<routing key>]` (kombu fanout with `fanout_patterns`). */
  channel(exchange: string, routingKey: string): string;
  /** `<prefix>/<db>.<exchange>`: the channel of an exchange without a routing key. */
  channelBase(exchange: string): string;
  /** PSUBSCRIBE patterns that see every message a binding key can match (see {@link channelPatterns}). */
  channelPatterns(exchange: string, bindingKey: string): string[];
}

/**
 * Builds the names for a key prefix (kombu `global_keyprefix`, concatenated as-is) and a DB number
 * (pub/sub channels are global to the server, so kombu puts the DB into the channel name).
 * @example
 * const keys = createKeyspace('app:', 0);
 * keys.list('celery', 9); // 'app:celery\x06\x169'
 * keys.channel('celeryev', 'task.multi'); // 'app:/0.celeryev/task.multi'
 */
export function createKeyspace(prefix: string, db: number): Keyspace {
  const fanoutPrefix = `${prefix}/${db}.`;
  const unacked = `${prefix}unacked`;
  const unackedIndex = `${prefix}unacked_index`;
  const unackedMutex = `${prefix}unacked_mutex`;
  const inflightRegistry = `${prefix}_celerity.inflight`;
  return {
    prefix,
    db,
    cluster: false,
    unackedOf: () => unacked,
    unackedIndexOf: () => unackedIndex,
    unackedMutexOf: () => unackedMutex,
    inflightRegistryOf: () => inflightRegistry,
    unacked: `${prefix}unacked`,
    unackedIndex: `${prefix}unacked_index`,
    unackedMutex: `${prefix}unacked_mutex`,
    list: (queue, priority) => prefix + priorityQueueKey(queue, priority),
    lists: (queue) => PRIORITY_STEPS.map((step) => prefix + priorityQueueKey(queue, step)),
    binding: (exchange) => `${prefix}_kombu.binding.${exchange}`,
    dead: (queue) => `${prefix}_celerity.dead.${queue}`,
    inflight: (consumerId, queue) => `${prefix}_celerity.inflight.${consumerId}.${queue}`,
    inflightRegistry: `${prefix}_celerity.inflight`,
    parked: `${prefix}_celerity.parked`,
    channel: (exchange, routingKey) => (routingKey ? `${fanoutPrefix}${exchange}/${routingKey}` : `${fanoutPrefix}${exchange}`),
    channelBase: (exchange) => `${fanoutPrefix}${exchange}`,
    channelPatterns: (exchange, bindingKey) => channelPatterns(`${fanoutPrefix}${exchange}`, bindingKey),
  };
}

/**
 * The Redis Cluster layout: every key of a queue starts with `<prefix>{<queue>}`, so its lists,
 * its `unacked` / `unacked_index` / mutex, its dead-letter list and its in-flight lists and registry
 * hash to one slot (a script touching them all stays on one node), while different queues spread
 * over the cluster's slots. kombu has no cluster transport, so nothing else reads these names:
 *
 * - lists: `<prefix>{<queue>}`, `<prefix>{<queue>}\x06\x163` … (kombu's priority steps)
 * - `<prefix>{<queue>}unacked`, `…unacked_index`, `…unacked_mutex`
 * - `<prefix>{<queue>}_celerity.dead`, `…_celerity.inflight` (registry), `…_celerity.inflight.<consumer>`
 *
 * Bindings, pub/sub channels, rate-limit buckets and revocations keep their single-server names (each
 * is one key or a channel). The global `unacked`, `unackedIndex`, `unackedMutex`, `inflightRegistry`
 * and `parked` names are not used on a cluster.
 * @example
 * const keys = createClusterKeyspace('app:');
 * keys.list('celery', 9); // 'app:{celery}\x06\x169'
 * keys.unackedOf('celery'); // 'app:{celery}unacked'
 */
export function createClusterKeyspace(prefix: string): Keyspace {
  const single = createKeyspace(prefix, 0);
  const tag = (queue: string): string => `${prefix}{${queue}}`;
  return {
    ...single,
    cluster: true,
    unackedOf: (queue) => `${tag(queue)}unacked`,
    unackedIndexOf: (queue) => `${tag(queue)}unacked_index`,
    unackedMutexOf: (queue) => `${tag(queue)}unacked_mutex`,
    inflightRegistryOf: (queue) => `${tag(queue)}_celerity.inflight`,
    list: (queue, priority) => tag(queue) + priorityQueueKey('', priority),
    lists: (queue) => PRIORITY_STEPS.map((step) => tag(queue) + priorityQueueKey('', step)),
    dead: (queue) => `${tag(queue)}_celerity.dead`,
    inflight: (consumerId, queue) => `${tag(queue)}_celerity.inflight.${consumerId}`,
  };
}
