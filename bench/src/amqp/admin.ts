/** The bench's own AMQP connection on the vhost: deletes the queue between runs and counts what is in it. */
import { connect } from 'amqplib';
import type { Channel, ChannelModel } from 'amqplib';

/** Queue housekeeping on one vhost. */
export interface AmqpAdmin {
  /** Deletes the queue (and with it its bindings and messages); a missing queue is fine. */
  resetQueue(): Promise<void>;
  /** Messages ready in the queue. */
  ready(): Promise<number>;
  /** Resolves once `ready()` is `count`, or rejects after `timeoutMs` with the last count seen. */
  waitReady(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * @example
 * const admin = await openAmqpAdmin(vhost.url, 'bench');
 * await admin.resetQueue();
 */
export async function openAmqpAdmin(url: string, queue: string): Promise<AmqpAdmin> {
  const model: ChannelModel = await connect(url);
  let channel: Channel | null = null;
  // A failed check closes the channel (AMQP channel error); open a new one on the next call.
  const use = async (): Promise<Channel> => {
    if (channel) return channel;
    const opened = await model.createChannel();
    opened.on('close', () => {
      if (channel === opened) channel = null;
    });
    opened.on('error', () => {});
    channel = opened;
    return opened;
  };
  const ready = async (): Promise<number> => (await (await use()).checkQueue(queue)).messageCount;
  return {
    async resetQueue() {
      await (await use()).deleteQueue(queue);
    },
    ready,
    async waitReady(count, timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      let seen = await ready();
      while (seen !== count) {
        if (Date.now() > deadline) throw new Error(`expected ${count} messages in queue '${queue}', found ${seen}`);
        await new Promise((resolve) => setTimeout(resolve, 20));
        seen = await ready();
      }
    },
    async close() {
      await model.close();
    },
  };
}
