/**
 * Celery 5.5's native delayed delivery topology (kombu's `native_delayed_delivery`, spec 5.3–5.6 §3.3),
 * declared exactly as Python workers declare it so both share it: 28 levels, level L a topic exchange
 * and a queue `celery_delayed_L` whose messages wait 2^L s (`x-message-ttl`) and are then
 * dead-lettered to level L-1. A message's routing key is its delay in 28 binary digits, then the
 * target queue's key: a `1` parks it at that level, a `0` passes it on. After level 0 it reaches
 * `celery_delayed_delivery`, where each target queue is bound with `#.<queue>`. Every level's queue
 * has one fixed TTL, so nothing waits behind a longer message.
 */
import type { Channel } from 'amqplib';
import { ConfigurationError } from '@celerity/core';

/** Levels, and bits of the delay in seconds. */
export const DELAY_LEVELS = 28;
/** The longest delay the topology expresses: 2^28 - 1 s (about 8.5 years). */
export const MAX_DELAY_SECONDS = 2 ** DELAY_LEVELS - 1;
/** Where messages leave the topology, towards their queues. */
export const DELAYED_DELIVERY_EXCHANGE = 'celery_delayed_delivery';
/** Where delayed messages are published: the top level. */
export const DELAY_ENTRY_EXCHANGE = levelName(DELAY_LEVELS - 1);

/** Headers RabbitMQ adds when dead-lettering; left out when republishing (Celery 5.6.3 does too). */
const DEATH_HEADER = /^x-(death|first-death-.*|last-death-.*)$/;

/** `celery_delayed_<level>`. */
export function levelName(level: number): string {
  return `celery_delayed_${level}`;
}

/**
 * The routing key for a delay of `seconds` (whole, 1 … {@link MAX_DELAY_SECONDS}) towards a queue
 * bound with `#.<routingKey>`: kombu's `calculate_routing_key`.
 * @example delayRoutingKey(10, 'celery') // '0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.1.0.1.0.celery'
 */
export function delayRoutingKey(seconds: number, routingKey: string): string {
  if (!Number.isInteger(seconds) || seconds < 1 || seconds > MAX_DELAY_SECONDS) throw new RangeError(`A delay must be a whole number of seconds from 1 to ${MAX_DELAY_SECONDS}, got ${String(seconds)}`);
  if (routingKey === '') throw new RangeError('A delayed message needs a routing key');
  return [...seconds.toString(2).padStart(DELAY_LEVELS, '0')].join('.') + '.' + routingKey;
}

/** The binding key of a queue on {@link DELAYED_DELIVERY_EXCHANGE} (kombu's rule: keys starting with `#` as they are). */
export function deliveryBindingKey(routingKey: string): string {
  return routingKey.startsWith('#') ? routingKey : `#.${routingKey}`;
}

/** The arguments of level `level`'s queue, as kombu declares them. */
export function levelQueueArguments(level: number, queueType: 'classic' | 'quorum'): Record<string, unknown> {
  const args: Record<string, unknown> = {
    'x-queue-type': queueType,
    'x-overflow': 'reject-publish',
    'x-message-ttl': 2 ** level * 1000,
    'x-dead-letter-exchange': level > 0 ? levelName(level - 1) : DELAYED_DELIVERY_EXCHANGE,
  };
  if (queueType === 'quorum') args['x-dead-letter-strategy'] = 'at-least-once';
  return args;
}

/** `'*.'` repeated for the levels above `level`, then `bit.#`: the key that picks `level`'s bit. */
function bitKey(level: number, bit: 0 | 1): string {
  return '*.'.repeat(DELAY_LEVELS - 1 - level) + `${bit}.#`;
}

/**
 * Declares the whole topology (idempotent; RabbitMQ answers 406 if someone declared it with another
 * queue type, see the broker's `delayQueueType`).
 */
export async function declareDelayTopology(channel: Channel, queueType: 'classic' | 'quorum'): Promise<void> {
  for (let level = DELAY_LEVELS - 1; level >= 0; level--) {
    const name = levelName(level);
    await channel.assertExchange(name, 'topic', { durable: true, autoDelete: false });
    await channel.assertQueue(name, { durable: true, autoDelete: false, exclusive: false, arguments: levelQueueArguments(level, queueType) });
    await channel.bindQueue(name, name, bitKey(level, 1));
  }
  for (let level = DELAY_LEVELS - 1; level >= 1; level--) await channel.bindExchange(levelName(level - 1), levelName(level), bitKey(level, 0));
  await channel.assertExchange(DELAYED_DELIVERY_EXCHANGE, 'topic', { durable: true, autoDelete: false });
  await channel.bindExchange(DELAYED_DELIVERY_EXCHANGE, levelName(0), bitKey(0, 0));
}

/** Binds `queue` where delayed messages come out, next to its usual bindings. */
export async function bindForDelayedDelivery(channel: Channel, queue: string): Promise<void> {
  await channel.bindQueue(queue, DELAYED_DELIVERY_EXCHANGE, deliveryBindingKey(queue));
}

/** The headers to republish with: everything but RabbitMQ's dead-letter bookkeeping. */
export function withoutDeathHeaders(headers: Record<string, unknown>): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(headers)) if (!DEATH_HEADER.test(key)) kept[key] = value;
  return kept;
}

/** Queue names the `#.<queue>` binding would misroute: topic wildcards in them match other keys. */
export function checkDelayableQueue(queue: string): void {
  if (queue === '' || /[*#]/.test(queue)) throw new ConfigurationError(`Queue ${JSON.stringify(queue)} cannot be bound for delayed delivery (empty, or a topic wildcard in its name)`);
}
