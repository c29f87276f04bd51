// For contrast with client.ts: the same add(4, 4) call written by hand with amqplib, the way the
// seed's RabbitMQ RPC client does it. It talks to any Celery or Celerity worker whose results go
// back over RabbitMQ (`--result-backend rpc://`): a reply queue of our own, a Celery protocol v2
// message built field by field, and the reply picked out by correlation id.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import amqp from 'amqplib';

const url = process.env['BROKER_URL'] ?? 'amqp://guest:guest@localhost:5672//';
const queue = 'celery';
// py-amqp misreads amqplib's default tag for small integers: mark them as signed 32-bit.
const int = (value: number) => ({ '!': 'int', value });

interface CeleryReply {
  status: string;
  result: unknown;
  traceback?: string | null;
}

/**
 * Sends `tasks.add(x, y)` to the `celery` queue and waits for the worker's rpc:// reply.
 * @example
 * console.log(await callAdd(4, 4)); // 8
 */
export async function callAdd(x: number, y: number, timeoutMs = 30_000): Promise<unknown> {
  const connection = await amqp.connect(url);
  try {
    const channel = await connection.createChannel();
    // The task queue exactly as Celery declares it, or RabbitMQ refuses the redeclaration.
    await channel.assertExchange(queue, 'direct', { durable: true, autoDelete: false });
    await channel.assertQueue(queue, { durable: true, autoDelete: false, exclusive: false });
    await channel.bindQueue(queue, queue, queue);
    const { queue: replyTo } = await channel.assertQueue('', { exclusive: true, autoDelete: true });

    const id = randomUUID();
    const reply = new Promise<CeleryReply>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply for task ${id} within ${timeoutMs} ms`)), timeoutMs);
      void channel.consume(replyTo, (message) => {
        if (message === null || message.properties.correlationId !== id) return;
        const body = JSON.parse(message.content.toString('utf8')) as CeleryReply;
        // STARTED and RETRY come on the same queue; wait for a final state.
        if (!['SUCCESS', 'FAILURE', 'REVOKED'].includes(body.status)) return;
        clearTimeout(timer);
        resolve(body);
      }, { noAck: true });
    });

    const headers = {
      lang: 'py', task: 'tasks.add', id, root_id: id, parent_id: null, group: null, group_index: null,
      shadow: null, eta: null, expires: null, retries: int(0), timelimit: [null, null],
      argsrepr: `(${x}, ${y})`, kwargsrepr: '{}', origin: `${process.pid}@${hostname()}`, ignore_result: false,
    };
    const body = JSON.stringify([[x, y], {}, { callbacks: null, errbacks: null, chain: null, chord: null }]);
    channel.sendToQueue(queue, Buffer.from(body), {
      headers, correlationId: id, replyTo, contentType: 'application/json', contentEncoding: 'utf-8', deliveryMode: 2, priority: 0,
    });

    const { status, result, traceback } = await reply;
    if (status !== 'SUCCESS') throw new Error(`task ${id} ended ${status}: ${JSON.stringify(result)}\n${traceback ?? ''}`);
    return result;
  } finally {
    await connection.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) console.log('add(4, 4) =', await callAdd(4, 4));
