/**
 * Where control requests and replies travel on a broker: requests on the fanout exchange, replies
 * through the direct reply exchange — `publishDirect` / `consumeDirect` where the transport routes
 * direct exchanges itself (Redis lists), `broadcast` / `subscribe` elsewhere (AMQP declares the
 * direct exchange and a private bound queue; memory matches the routing key).
 */
import type { BroadcastMessage, Broker, Envelope, Subscription } from '../broker.js';
import type { ControlReplyTo } from './messages.js';

/** Sends a reply to where a request asked for it. */
export function publishControlReply(broker: Broker, replyTo: ControlReplyTo, envelope: Envelope): Promise<void> {
  if (broker.publishDirect) return broker.publishDirect(replyTo.exchange, replyTo.routingKey, envelope);
  return broker.broadcast(replyTo.exchange, replyTo.routingKey, envelope);
}

/** Listens for replies routed to `routingKey` on the reply exchange. */
export function consumeControlReplies(broker: Broker, exchange: string, routingKey: string, handler: (message: BroadcastMessage) => void): Promise<Subscription> {
  if (broker.consumeDirect) return broker.consumeDirect(exchange, routingKey, handler);
  return broker.subscribe(exchange, routingKey, handler);
}
