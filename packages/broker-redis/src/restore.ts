/**
 * Ack emulation's way back (spec §3.4): restoring unacked messages to their queue — on
 * `reject({ requeue: true })`, on `close()`, and in the visibility-timeout pass that rescues messages
 * taken by a consumer that died.
 */
import { randomUUID } from 'node:crypto';
import type { RedisClient } from '@celerity/redis-common/internal';
import type { Logger } from '@celerity/core';
import { parseBindingMember, priorityStep, type Keyspace } from './keys.js';
import { stringifyPythonJson } from '@celerity/core/internal';
import { runScript } from '@celerity/redis-common/internal';
import { DEAD_LETTER_SCRIPT, RELEASE_MUTEX_SCRIPT, RENEW_MUTEX_SCRIPT, RESTORE_SCRIPT } from './scripts.js';

/** What restoring needs from the broker. */
export interface RestoreContext {
  readonly client: RedisClient;
  readonly keys: Keyspace;
  readonly logger: Logger;
  /** Clock seam, milliseconds. */
  now(): number;
}

/**
 * How long our hold on `unacked_mutex` lasts without renewal. kombu takes it for 300 s
 * (`unacked_mutex_expire`), so a Python worker killed mid-pass stops every restore for five minutes;
 * we take it for 30 s and renew it after each page, so one of ours killed mid-pass blocks them for 30 s.
 */
export const MUTEX_LEASE_MS = 30_000;
const PAGE = 100;
// The entry format this broker writes; lets an entry whose envelope is not JSON still be set aside.
const OWN_ENTRY = /^\[([\s\S]*), "", ("(?:[^"\\]|\\.)*")\]$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Where kombu's `_lookup` sends a message back: the routing key for the default exchange, else its bindings. */
async function destinationQueues(context: RestoreContext, exchange: string, routingKey: string): Promise<string[]> {
  if (exchange === '') return routingKey === '' ? [] : [routingKey];
  const members = await context.client.smembers(context.keys.binding(exchange));
  const queues = members
    .map(parseBindingMember)
    .filter((b): b is NonNullable<typeof b> => b !== undefined && b.routingKey === routingKey)
    .map((b) => b.queue);
  return queues.length > 0 ? queues : routingKey === '' ? [] : [routingKey];
}

// `owner`: the queue whose `unacked` hash holds the entry; `queue`: whose dead-letter list receives it (the same on a cluster).
async function setAside(context: RestoreContext, tag: string, raw: string, owner: string, queue: string, why: string): Promise<void> {
  const { keys } = context;
  const dead = keys.dead(keys.cluster ? owner : queue);
  await runScript(context.client, DEAD_LETTER_SCRIPT, [keys.unackedOf(owner), keys.unackedIndexOf(owner), dead], [tag, raw]);
  context.logger.warn(`Unacked message ${tag} could not be restored (${why}); set aside in ${JSON.stringify(dead)}`, { deliveryTag: tag, key: dead });
}

/**
 * Restores one unacked message by delivery tag, as kombu's `restore_by_tag` does: marks it
 * `redelivered` in headers and `delivery_info`, pushes it to the priority list its
 * `properties.priority` names (kombu ≥ 5.4) — RPUSH (consumed next) or, with `leftmost`, LPUSH — and
 * removes the unacked entry, atomically and only if nobody acked or restored it meanwhile.
 * `queue` is the queue the message was taken from: on a cluster its `unacked` hash holds the entry,
 * and the message goes back to it (kombu's lookup would need the bindings of another slot).
 * Returns whether it was restored.
 */
export async function restoreByTag(context: RestoreContext, tag: string, queue: string, leftmost = false): Promise<boolean> {
  const { client, keys } = context;
  const unacked = keys.unackedOf(queue);
  const entry = await client.hget(unacked, tag);
  if (entry === null) {
    await client.zrem(keys.unackedIndexOf(queue), tag);
    return false;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(entry);
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || parsed.length !== 3 || !isRecord(parsed[0]) || typeof parsed[1] !== 'string' || typeof parsed[2] !== 'string') {
    const own = OWN_ENTRY.exec(entry);
    const from = own ? (JSON.parse(own[2] ?? '""') as string) : 'unacked';
    await setAside(context, tag, own?.[1] ?? entry, queue, from, 'its envelope is not a JSON object');
    return false;
  }
  const [message, exchange, routingKey] = parsed as [Record<string, unknown>, string, string];
  const headers = message['headers'];
  const properties = message['properties'];
  // kombu sets both marks in one try block: without headers, neither is set.
  if (isRecord(headers)) {
    headers['redelivered'] = true;
    if (isRecord(properties) && isRecord(properties['delivery_info'])) properties['delivery_info']['redelivered'] = true;
  }
  const queues = keys.cluster ? [queue] : await destinationQueues(context, exchange, routingKey);
  if (queues.length === 0) {
    await setAside(context, tag, JSON.stringify(message), queue, 'unacked', `no queue for exchange ${JSON.stringify(exchange)} / routing key ${JSON.stringify(routingKey)}`);
    return false;
  }
  const step = priorityStep(isRecord(properties) ? properties['priority'] : 0);
  const raw = stringifyPythonJson(message);
  const result = await runScript(
    client,
    RESTORE_SCRIPT,
    [unacked, keys.unackedIndexOf(queue), ...queues.map((q) => keys.list(q, step))],
    [tag, raw, leftmost ? '1' : '0'],
  );
  return result === 1;
}

/**
 * kombu's `restore_visible`: under the `unacked_mutex` (SET PX NX), restores every message unacked
 * for longer than `visibilityTimeout` seconds, oldest last as kombu pages them (ZREVRANGEBYSCORE),
 * then releases the mutex with a compare-and-delete. Returns how many were restored; 0 when another
 * process holds the mutex. On one server one pass covers every queue (`queue` only names where an
 * entry without a usable envelope is set aside: its own entry says); on a cluster it covers `queue`.
 */
export async function restoreVisible(context: RestoreContext, visibilityTimeout: number, queue = ''): Promise<number> {
  const { client, keys } = context;
  const mutex = keys.unackedMutexOf(queue);
  const index = keys.unackedIndexOf(queue);
  const token = randomUUID().replace(/-/g, '');
  const locked = await client.set(mutex, token, 'PX', MUTEX_LEASE_MS, 'NX');
  if (locked === null) return 0;
  let restored = 0;
  try {
    const ceil = context.now() / 1000 - visibilityTimeout;
    for (;;) {
      const tags = await client.zrevrangebyscore(index, ceil, 0, 'LIMIT', 0, PAGE);
      const results = await Promise.all(tags.map((tag) => restoreByTag(context, tag, queue)));
      restored += results.filter(Boolean).length;
      if (tags.length < PAGE) break;
      // Lost the mutex (a stall longer than the lease): another pass may be running; leave it the rest.
      if ((await runScript(client, RENEW_MUTEX_SCRIPT, [mutex], [token, String(MUTEX_LEASE_MS)])) !== 1) break;
    }
  } finally {
    await runScript(client, RELEASE_MUTEX_SCRIPT, [mutex], [token]).catch(() => undefined);
  }
  if (restored > 0) context.logger.info(`Restored ${restored} unacked message(s) past the visibility timeout`, { restored });
  return restored;
}
