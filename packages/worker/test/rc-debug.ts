import amqp from 'amqplib';
import { startRabbitCluster } from '@celerity/testing';
const t0 = Date.now();
const log = (m: string) => console.log(`${((Date.now() - t0) / 1000).toFixed(1)}s ${m}`);
const c = await startRabbitCluster({ size: 3 });
log('cluster up');
const [n0, n1, n2] = c.nodes as any;
try {
  const conn = await amqp.connect(n1.url);
  const ch = await conn.createConfirmChannel();
  await ch.assertQueue('q', { durable: true, arguments: { 'x-queue-type': 'quorum' } });
  await conn.close();
  log(await n2.ctl(['list_queues', 'name', 'leader']));
  // publishers on n2 and n0, publishing continuously, through the kill of n1 (the leader)
  await n1.kill(); log('n1 killed first');
  const pubs = await Promise.all([n2, n0].map(async (node: any) => {
    const cn = await amqp.connect(node.url); const chn = await cn.createConfirmChannel(); chn.on('error', () => {});
    return { node, cn, ch: chn, ok: 0, nack: 0 };
  }));
  let stop = false;
  const loops = pubs.map(async (p) => { while (!stop) { try { p.ch.sendToQueue('q', Buffer.from('y'), { persistent: true }); await p.ch.waitForConfirms(); p.ok++; } catch { p.nack++; } await new Promise((r) => setTimeout(r, 50)); } });

  for (let i = 0; i < 12; i++) {
    await new Promise((r) => setTimeout(r, 5000));
    log(pubs.map((p) => `${p.node.port}: ok ${p.ok} nack ${p.nack}`).join('; '));
    if (i === 5) {
      const cn = await amqp.connect(n2.url); const chn = await cn.createConfirmChannel(); chn.on('error', () => {});
      try { chn.sendToQueue('q', Buffer.from('z'), { persistent: true }); await chn.waitForConfirms(); log('fresh channel on n2: confirmed'); } catch (e) { log('fresh channel on n2: ' + (e as Error).message); }
      await cn.close();
    }
  }
  stop = true; await Promise.all(loops);
  log(await n2.ctl(['list_queues', 'name', 'leader', 'online', 'messages']));
} finally { await c.dispose(); }
