/**
 * kombu's direct exchanges on Redis, for control replies: a publish LPUSHes to every queue bound
 * under the routing key in `_kombu.binding.<exchange>` (nothing when none is: kombu drops it too),
 * and a reply queue `<routing key>.<exchange>` is bound there and read with BRPOP on its own
 * connection, without acks, until unsubscribed (then unbound and deleted, as kombu's auto-delete).
 */
import type { RedisClient } from '@celerity/redis-common/internal';
import type { BroadcastMessage, Envelope, Logger, Subscription } from '@celerity/core';
import { decodeKombuEnvelope, encodeKombuEnvelope } from './envelope.js';
import { bindingMember, parseBindingMember, type Keyspace } from './keys.js';

/** What direct routing needs from the broker. */
export interface DirectHost {
  readonly client: RedisClient;
  readonly keys: Keyspace;
  readonly logger: Logger;
  createBlockingClient(): RedisClient;
  generateId(): string;
}

export async function publishDirect(host: DirectHost, exchange: string, routingKey: string, envelope: Envelope): Promise<void> {
  const members = await host.client.smembers(host.keys.binding(exchange));
  const queues = new Set<string>();
  for (const member of members) {
    const binding = parseBindingMember(member);
    if (binding !== undefined && binding.routingKey === routingKey) queues.add(binding.queue);
  }
  if (queues.size === 0) return;
  const raw = encodeKombuEnvelope(envelope, { exchange, routingKey, deliveryTag: host.generateId() });
  // On a cluster the reply queues are in different slots: one LPUSH each instead of a MULTI.
  if (host.keys.cluster) {
    await Promise.all([...queues].map((queue) => host.client.lpush(host.keys.list(queue, 0), raw)));
    return;
  }
  const multi = host.client.multi();
  for (const queue of queues) multi.lpush(host.keys.list(queue, 0), raw);
  await multi.exec();
}

export async function consumeDirect(host: DirectHost, exchange: string, routingKey: string, handler: (message: BroadcastMessage) => void): Promise<Subscription> {
  const queue = `${routingKey}.${exchange}`;
  const member = bindingMember(routingKey, queue);
  const key = host.keys.list(queue, 0);
  await host.client.sadd(host.keys.binding(exchange), member);
  const reader = host.createBlockingClient();
  let active = true;
  const loop = (async () => {
    while (active) {
      let popped: [string, string] | null;
      try {
        popped = await reader.brpop(key, 1);
      } catch (error) {
        if (!active) return;
        host.logger.warn(`Reading control replies from ${queue}: ${(error as Error).message}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
        continue;
      }
      if (popped === null || !active) continue;
      try {
        const decoded = decodeKombuEnvelope(popped[1]);
        handler({ exchange, routingKey, envelope: decoded.envelope });
      } catch (error) {
        host.logger.warn(`Skipping a malformed control reply on ${queue}: ${(error as Error).message}`);
      }
    }
  })();
  return {
    async unsubscribe() {
      if (!active) return;
      active = false;
      reader.disconnect();
      await loop;
      if (host.keys.cluster) await Promise.all([host.client.srem(host.keys.binding(exchange), member), host.client.del(key)]);
      else await host.client.multi().srem(host.keys.binding(exchange), member).del(key).exec();
    },
  };
}
