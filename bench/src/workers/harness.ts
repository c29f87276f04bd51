/**
 * The child side of the worker protocol: every `workers/<system>.ts` hands its factory to
 * {@link runWorkerChild}, which times runs and reports over IPC.
 */
import { performance } from 'node:perf_hooks';
import type { BenchWorker, BenchWorkerFactory, FromWorker, ToWorker } from './protocol.js';

function send(message: FromWorker): void {
  process.send?.(message);
}

/** Resolves once `worker.processed()` reaches `target`, checking every millisecond. */
function reach(worker: BenchWorker, target: number): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (worker.processed() >= target) resolve();
      else setTimeout(check, 1);
    };
    check();
  });
}

/**
 * Serves the bench's requests with workers built by `factory`, one worker per run.
 * @example
 * runWorkerChild(async ({ redisUrl, queue, concurrency }) => ({ start, processed, stop }));
 */
export function runWorkerChild(factory: BenchWorkerFactory): void {
  if (!process.send) throw new Error('a bench worker must be started by the bench (fork with an IPC channel)');
  let worker: BenchWorker | null = null;
  let expect = 0;
  let started = 0;
  let cpu = process.cpuUsage();

  const report = (): void => {
    const used = process.cpuUsage(cpu);
    send({
      type: 'done',
      ms: performance.now() - started,
      processed: worker?.processed() ?? 0,
      cpuUs: used.user + used.system,
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
    });
  };

  const close = async (): Promise<void> => {
    const current = worker;
    worker = null;
    await current?.stop();
    send({ type: 'closed' });
  };

  const handle = async (message: ToWorker): Promise<void> => {
    switch (message.type) {
      case 'prepare':
        expect = message.expect;
        worker = await factory({ redisUrl: message.redisUrl, queue: message.queue, concurrency: message.concurrency });
        send({ type: 'prepared' });
        return;
      case 'go': {
        if (!worker) throw new Error('go before prepare');
        const current = worker;
        cpu = process.cpuUsage();
        started = performance.now();
        await current.start();
        if (expect > 0) {
          await reach(current, expect);
          report();
          await close();
        } else send({ type: 'started' });
        return;
      }
      case 'finish':
        report();
        await close();
        return;
      case 'exit':
        process.exit(0);
    }
  };

  process.on('message', (message: ToWorker) => {
    handle(message).catch((error: unknown) => send({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) }));
  });
  // The bench going away must not leave a worker consuming.
  process.on('disconnect', () => process.exit(0));
  send({ type: 'ready', pid: process.pid });
}
