import { createAmqpBroker } from './src/index.ts';
import { createTestVhost } from './test/vhost.ts';
import { encodeTaskMessage, jsonSerializer } from '@celerity/core';
const v = await createTestVhost();
const N = 100000;
try {
  const env = encodeTaskMessage({ task: 'tasks.add', id: 'x', args: [1, 2] }, { serializer: jsonSerializer });
  const broker = createAmqpBroker({ url: v.url });
  await broker.declareQueue('ours');
  const items = Array.from({ length: N }, () => ({ target: { queue: 'ours' }, envelope: env }));
  const t = Date.now();
  await broker.publishMany(items);
  console.log('ours publishMany', Math.round(N / ((Date.now() - t) / 1000)), '/s');
  await broker.close();
} finally {
  await v.dispose();
}
