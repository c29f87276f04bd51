/**
 * A publish RabbitMQ nacks rejects with PublishNackedError, and the publisher moves to a new channel
 * (RabbitMQ 3.10 keeps nacking a quorum queue's publishes on a channel opened while the queue had
 * no leader; the cluster test shows that case). Here the nack comes from a full queue with
 * `x-overflow: reject-publish`: the publishes after it still go through.
 */
import { createCapturingLogger } from '@celerity/testing';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { PublishNackedError, createAmqpBroker } from '../src/index.js';
import { createTestVhost, type TestVhost } from './vhost.js';

let vhost: TestVhost;
beforeAll(async () => {
  vhost = await createTestVhost();
});
afterAll(async () => {
  await vhost?.dispose();
});

const envelope = (text: string) => ({ body: Buffer.from(text), contentType: 'text/plain', contentEncoding: 'utf-8', headers: {}, properties: {} });

it('rejects a nacked publish, then publishes on a new channel', async () => {
  const logger = createCapturingLogger();
  const broker = createAmqpBroker({ url: vhost.url, logger });
  try {
    await broker.declareQueue('full', { arguments: { 'x-max-length': 1, 'x-overflow': 'reject-publish' } });
    await broker.declareQueue('other');
    await broker.publish({ queue: 'full' }, envelope('fits'));
    await expect(broker.publish({ queue: 'full' }, envelope('refused'))).rejects.toBeInstanceOf(PublishNackedError);
    expect(logger.lines.filter((line) => line.message.includes('publishing on a new channel'))).toHaveLength(1);
    await broker.publish({ queue: 'other' }, envelope('after'));
    expect(await broker.size('other')).toBe(1);
    expect(await broker.size('full')).toBe(1);
  } finally {
    await broker.close();
  }
});
