// Regression: an rpc:// backend closed at the same time as the AMQP broker whose connection it
// shares used to never finish closing (amqplib's channel.close() does not settle when the
// connection closes under it), so client.close() of an amqp:// + rpc:// client could hang.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createAmqpBroker, createRpcBackend } from '@celerity/broker-amqp';
import { createTestVhost, type TestVhost } from './vhost.js';

let rabbit: TestVhost;
beforeAll(async () => {
  rabbit = await createTestVhost();
}, 60_000);
afterAll(async () => {
  await rabbit?.dispose();
}, 60_000);

const settlesWithin = (promise: Promise<unknown>, ms: number) =>
  Promise.race([promise.then(() => true), new Promise<false>((resolve) => setTimeout(() => resolve(false), ms).unref())]);

async function openPair() {
  const broker = createAmqpBroker({ url: rabbit.url });
  const backend = createRpcBackend({ broker });
  // A consumed reply queue, as after the first task sent with rpc:// results.
  await backend.adoptReplyQueue(`celerity-test-${randomUUID()}`);
  return { broker, backend };
}

it('closing the rpc:// backend, then its broker, settles (what the example does)', async () => {
  for (let i = 0; i < 5; i++) {
    const { broker, backend } = await openPair();
    expect(await settlesWithin(backend.close().then(() => broker.close()), 5_000)).toBe(true);
  }
});

it('closing an AMQP broker and its rpc:// backend at the same time settles', async () => {
  for (let i = 0; i < 5; i++) {
    const { broker, backend } = await openPair();
    const closed = await settlesWithin(Promise.all([broker.close(), backend.close()]), 3_000);
    expect(closed, `close ${i + 1} of 5 hung`).toBe(true);
  }
});
