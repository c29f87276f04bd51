/**
 * The child side of a PostgreSQL producer: builds the peer's producer, says `ready` with the Node
 * version running it, then answers the bench's requests one at a time, timing the sends itself.
 */
import { performance } from 'node:perf_hooks';
import { databaseUrlFromEnv } from '../env.js';
import type { FromProducer, PgProducer, ProducerRequest, ToProducer } from '../producer-protocol.js';
import { timeRoundTrips } from '../round-trips.js';

function send(message: FromProducer): void {
  process.send?.(message);
}

async function answer(producer: PgProducer, request: ProducerRequest): Promise<unknown> {
  switch (request.op) {
    case 'enqueueOne': {
      const started = performance.now();
      await producer.enqueueOne(request.count);
      return { ms: performance.now() - started };
    }
    case 'enqueueBulk': {
      const started = performance.now();
      await producer.enqueueBulk(request.count, request.batchSize);
      return { ms: performance.now() - started };
    }
    case 'roundTrips': {
      const latencies = await timeRoundTrips(async (i) => {
        const value = await producer.roundTrip(i, 1);
        if (value !== i + 1) throw new Error(`add(${i}, 1) returned ${String(value)}`);
      }, request.plan);
      return { latencies };
    }
    case 'clear':
      await producer.clear();
      return {};
    case 'count':
      return producer.count();
  }
}

/**
 * @example
 * serveProducer(({ databaseUrl, queue }) => openMyProducer(databaseUrl, queue));
 */
export function serveProducer(open: (options: { databaseUrl: string; queue: string }) => Promise<PgProducer>): void {
  if (!process.send) throw new Error('a bench producer must be started by the bench (fork with an IPC channel)');
  const queue = process.argv[2];
  if (!queue) throw new Error('usage: <producer> <queue>');
  let producer: PgProducer | null = null;
  // Requests run one after another, as the bench sends them.
  let chain: Promise<void> = Promise.resolve();
  process.on('message', (message: ToProducer) => {
    if (message.type === 'exit') {
      chain = chain.then(async () => {
        await producer?.close().catch(() => undefined);
        process.exit(0);
      });
      return;
    }
    chain = chain.then(async () => {
      try {
        if (!producer) throw new Error('producer not ready');
        send({ type: 'reply', seq: message.seq, ok: true, value: await answer(producer, message.request) });
      } catch (error) {
        send({ type: 'reply', seq: message.seq, ok: false, message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      }
    });
  });
  process.on('disconnect', () => process.exit(0));
  open({ databaseUrl: databaseUrlFromEnv(), queue }).then(
    (opened) => {
      producer = opened;
      send({ type: 'ready', pid: process.pid, node: process.version });
    },
    (error: unknown) => send({ type: 'failed', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }),
  );
}
