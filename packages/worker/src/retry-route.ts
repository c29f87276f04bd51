/**
 * What a retry must not take over from a message that came back through RabbitMQ's dead-lettering
 * (Celery 5.5's native delayed delivery, `celery_delayed_*`): the dead-letter bookkeeping headers
 * and the delay routing key. Both describe the trip the delivery took, not the retry's.
 */
import type { Delivery, PublishTarget } from '@celerity/core';

/** `x-death` and the `x-first-death-*` / `x-last-death-*` summaries RabbitMQ adds when dead-lettering. */
const DEAD_LETTER_HEADER = /^x-(death|first-death-.*|last-death-.*)$/;

/** Exchanges a delivery comes out of after a trip through the delay levels. */
const DELAYED_DELIVERY_EXCHANGE = /^celery_delayed_(delivery|\d+)$/;

/**
 * The custom headers a retry carries: all but RabbitMQ's dead-letter bookkeeping. Celery 5.6.3
 * drops the same ones, so that RabbitMQ does not take the retry's next dead-lettering for a cycle.
 * @example withoutDeadLetterHeaders({ 'x-death': [], 'x-custom': 1 }) // { 'x-custom': 1 }
 */
export function withoutDeadLetterHeaders(headers: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(headers)) if (!DEAD_LETTER_HEADER.test(key)) kept[key] = value;
  return kept;
}

/**
 * Where a retry of `delivery` goes: where it was published to, except after a delayed-delivery trip,
 * whose exchange and routing key (28 delay bits, then the queue's key) only lead through the delay
 * levels; such a retry goes straight to the queue it came from.
 * @example retryTarget({ queue: 'celery', exchange: 'celery_delayed_delivery', routingKey: '0.….1.celery', … }) // { queue: 'celery', exchange: '', routingKey: 'celery' }
 */
export function retryTarget(delivery: Pick<Delivery, 'queue' | 'exchange' | 'routingKey'>): PublishTarget {
  const { queue, exchange, routingKey } = delivery;
  if (DELAYED_DELIVERY_EXCHANGE.test(exchange)) return { queue, exchange: '', routingKey: queue };
  return { queue, exchange, routingKey: routingKey || queue };
}
