import amqp from 'amqplib';
import { createAmqpBroker } from './src/index.ts';
import { createTestVhost } from './test/vhost.ts';
import { encodeTaskMessage, jsonSerializer } from '@celerity/core';
const v = await createTestVhost();
const N = 50000;
try {
  const env = encodeTaskMessage({ task: 'tasks.add', id: 'x', args: [1, 2] }, { serializer: jsonSerializer });
  // raw
  const conn = await amqp.connect(v.url, { noDelay: true });
  const ch = await conn.createConfirmChannel();
  await ch.assertQueue('raw', { durable: true });
  let t = Date.now();
  for (let i = 0; i < N; i++) {
    const ok = ch.publish('', 'raw', Buffer.from(env.body), { persistent: true, headers: env.headers, contentType: 'application/json', contentEncoding: 'utf-8', correlationId: 'x', priority: 0 });
    if (!ok) await new Promise((r) => ch.once('drain', r));
  }
  await ch.waitForConfirms();
  console.log('raw publish', Math.round(N / ((Date.now() - t) / 1000)), '/s');
  const cch = await conn.createChannel();
  await cch.prefetch(100);
  t = Date.now();
  let n = 0;
  await new Promise<void>((resolve) => cch.consume('raw', (m) => { cch.ack(m!); if (++n === N) resolve(); }));
  console.log('raw consume', Math.round(N / ((Date.now() - t) / 1000)), '/s');
  await conn.close();

  const broker = createAmqpBroker({ url: v.url });
  await broker.declareQueue('ours');
  const items = Array.from({ length: N }, () => ({ target: { queue: 'ours' }, envelope: env }));
  t = Date.now();
  await broker.publishMany(items);
  console.log('ours publishMany', Math.round(N / ((Date.now() - t) / 1000)), '/s');
  t = Date.now();
  await Promise.all(Array.from({ length: 5000 }, () => broker.publish({ queue: 'ours' }, env)));
  console.log('ours concurrent publish', Math.round(5000 / ((Date.now() - t) / 1000)), '/s');
  t = Date.now();
  n = 0;
  await new Promise<void>((resolve) => void broker.consume(['ours'], (d) => { void d.ack(); if (++n === N + 5000) resolve(); }, { prefetch: 100 }));
  console.log('ours consume', Math.round((N + 5000) / ((Date.now() - t) / 1000)), '/s');
  await broker.close();
} finally {
  await v.dispose();
}
