/**
 * Celery's RabbitMQ topology (spec §4.1, `amqp/topology.json`, appendix §3): which exchange a
 * queue gets, the flags and arguments of task queues, and the broadcast exchanges and subscriber
 * queues of control (`celery.pidbox`, `reply.celery.pidbox`) and events (`celeryev`). RabbitMQ
 * answers 406 PRECONDITION_FAILED to a redeclaration with other flags, so these must be exact.
 */
import { randomUUID } from 'node:crypto';
import { ConfigurationError } from '@celerity/core';
import type { QueueDeclaration } from '@celerity/core';

/** How a broadcast exchange is declared, and the subscriber queues bound to it. */
export interface ExchangeSpec {
  type: 'fanout' | 'topic' | 'direct';
  durable: boolean;
  /** `x-expires` of subscriber queues, ms. */
  queueExpires?: number;
  /** `x-message-ttl` of subscriber queues, ms. */
  queueMessageTtl?: number;
}

/** Celery's broadcast exchanges (`kombu/pidbox.py`, `celery/events`). */
export const CELERY_EXCHANGES: Readonly<Record<string, ExchangeSpec>> = {
  'celery.pidbox': { type: 'fanout', durable: false, queueExpires: 10_000, queueMessageTtl: 300_000 },
  'reply.celery.pidbox': { type: 'direct', durable: false, queueExpires: 10_000, queueMessageTtl: 300_000 },
  celeryev: { type: 'topic', durable: true, queueExpires: 60_000, queueMessageTtl: 5_000 },
};

/** Exchanges not listed (and not configured) are topic exchanges: `''` subscribes to everything, patterns work. */
export const DEFAULT_BROADCAST_EXCHANGE: ExchangeSpec = { type: 'topic', durable: false, queueExpires: 60_000 };

/** The spec of a broadcast exchange: configured, Celery's, or the default. */
export function exchangeSpec(exchange: string, configured: Readonly<Record<string, ExchangeSpec>> | undefined): ExchangeSpec {
  return configured?.[exchange] ?? CELERY_EXCHANGES[exchange] ?? DEFAULT_BROADCAST_EXCHANGE;
}

/**
 * The binding key for a subscription pattern: `''` means "every message" (fanout semantics), which
 * a topic exchange spells `#`. Fanout exchanges ignore the key; direct ones match it exactly.
 */
export function bindingKey(spec: ExchangeSpec, pattern: string): string {
  return pattern === '' && spec.type === 'topic' ? '#' : pattern;
}

/**
 * A subscriber queue name in Celery's style: `celeryev.<uuid>` for events, `<id>.celery.pidbox` for
 * control, `<oid>.reply.celery.pidbox` for control replies (the pattern is the client oid), and
 * `<exchange>.<uuid>` otherwise. A fresh name per declaration: after a reconnect the old exclusive
 * queue may still be held by the dead connection.
 */
export function subscriberQueueName(exchange: string, pattern: string, generateId: () => string = randomUUID): string {
  if (exchange === 'celery.pidbox') return `${generateId()}.celery.pidbox`;
  if (exchange === 'reply.celery.pidbox' && pattern !== '' && !/[*#]/.test(pattern)) return `${pattern}.reply.celery.pidbox.${generateId().slice(0, 8)}`;
  return `${exchange}.${generateId()}`;
}

/** Arguments of a subscriber queue. */
export function subscriberQueueArguments(spec: ExchangeSpec): Record<string, unknown> {
  const args: Record<string, unknown> = {};
  if (spec.queueExpires !== undefined) args['x-expires'] = spec.queueExpires;
  if (spec.queueMessageTtl !== undefined) args['x-message-ttl'] = spec.queueMessageTtl;
  return args;
}

/** A task queue declaration with defaults applied: flags and the exact argument table. */
export interface ResolvedQueueDeclaration {
  durable: boolean;
  autoDelete: boolean;
  arguments: Record<string, unknown>;
  /** The dead-letter exchange, when one is configured (where rejected messages go). */
  deadLetterExchange?: string;
  queueType: 'classic' | 'quorum';
}

/**
 * Flags and arguments of a task queue the way Celery declares it: durable, not auto-delete, **no
 * arguments** by default; `x-max-priority` only with `maxPriority`; `x-queue-type: quorum` only for
 * quorum queues (Celery 5.5 `task_default_queue_type`); `x-dead-letter-exchange` when asked.
 * @throws ConfigurationError for combinations RabbitMQ refuses (a quorum queue that is not durable,
 * is auto-delete, or has a max priority).
 * @example
 * resolveQueueDeclaration({ maxPriority: 10 }); // { durable: true, autoDelete: false, arguments: { 'x-max-priority': 10 }, queueType: 'classic' }
 */
export function resolveQueueDeclaration(declaration: QueueDeclaration = {}, defaultType: 'classic' | 'quorum' = 'classic'): ResolvedQueueDeclaration {
  const queueType = declaration.queueType ?? defaultType;
  const durable = declaration.durable ?? true;
  const autoDelete = declaration.autoDelete ?? false;
  const args: Record<string, unknown> = {};
  if (declaration.maxPriority !== undefined) {
    const p = declaration.maxPriority;
    if (!Number.isInteger(p) || p < 1 || p > 255) throw new ConfigurationError(`maxPriority must be an integer from 1 to 255, got ${String(p)}`);
    args['x-max-priority'] = p;
  }
  if (queueType === 'quorum') {
    if (!durable || autoDelete) throw new ConfigurationError('A quorum queue must be durable and not auto-delete');
    if (declaration.maxPriority !== undefined) throw new ConfigurationError('RabbitMQ quorum queues do not support x-max-priority');
    args['x-queue-type'] = 'quorum';
  }
  if (declaration.deadLetterExchange !== undefined) args['x-dead-letter-exchange'] = declaration.deadLetterExchange;
  Object.assign(args, declaration.arguments ?? {});
  const resolved: ResolvedQueueDeclaration = { durable, autoDelete, arguments: args, queueType };
  const dlx = args['x-dead-letter-exchange'];
  if (typeof dlx === 'string') resolved.deadLetterExchange = dlx;
  return resolved;
}
