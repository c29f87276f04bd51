/**
 * Starts a PostgreSQL producer child (`src/pg/producers/<module>`) with a chosen `node` binary and
 * sends it requests over IPC. Like worker children, a bench running from `dist/` forks the compiled
 * module, one running from source forks the TypeScript through tsx.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { FROM_DIST } from '../worker-process.js';
import { DATABASE_URL_VAR } from './env.js';
import type { FromProducer, ProducerAnswers, ProducerRequest, ToProducer } from './producer-protocol.js';

const BENCH_DIR = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

/** A producer child, ready. */
export interface ProducerProcess extends AsyncDisposable {
  readonly pid: number;
  /** `process.version` of the child. */
  readonly node: string;
  call<R extends ProducerRequest>(request: R, timeoutMs: number): Promise<ProducerAnswers[R['op']]>;
  close(): Promise<void>;
}

/** What the child needs. */
export interface ProducerSpawn {
  module: string;
  databaseUrl: string;
  queue: string;
  /** @default process.execPath */
  execPath?: string;
  /** Variables added to the child's environment (a variant's settings). */
  env?: Readonly<Record<string, string>>;
}

/**
 * @example
 * await using producer = await startProducer({ module: 'pg-boss.ts', databaseUrl, queue: 'bench' });
 * const { ms } = await producer.call({ op: 'enqueueBulk', count: 10_000, batchSize: 1000 }, 60_000);
 */
export async function startProducer(spawn: ProducerSpawn): Promise<ProducerProcess> {
  const compiled = FROM_DIST ? spawn.module.replace(/\.ts$/, '.js') : spawn.module;
  const child = fork(fileURLToPath(new URL(`./producers/${compiled}`, import.meta.url)), [spawn.queue], {
    cwd: BENCH_DIR,
    execArgv: FROM_DIST ? [] : ['--conditions=source', '--import', 'tsx'],
    execPath: spawn.execPath ?? process.execPath,
    env: { ...process.env, ...spawn.env, [DATABASE_URL_VAR]: spawn.databaseUrl },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();
  let seq = 0;
  let failure: Error | null = null;
  let settleReady: { resolve: (message: Extract<FromProducer, { type: 'ready' }>) => void; reject: (error: Error) => void } | null = null;
  const ready = new Promise<Extract<FromProducer, { type: 'ready' }>>((resolve, reject) => void (settleReady = { resolve, reject }));
  const fail = (error: Error): void => {
    failure = error;
    settleReady?.reject(error);
    for (const [, waiter] of pending) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
    pending.clear();
  };
  child.on('message', (message: FromProducer) => {
    if (message.type === 'ready') return settleReady?.resolve(message);
    if (message.type === 'failed') return fail(new Error(`producer ${spawn.module}: ${message.message}`));
    const waiter = pending.get(message.seq);
    if (!waiter) return;
    pending.delete(message.seq);
    clearTimeout(waiter.timer);
    if (message.ok) waiter.resolve(message.value);
    else waiter.reject(new Error(`producer ${spawn.module}: ${message.message}`));
  });
  child.on('exit', (code, signal) => fail(new Error(`producer ${spawn.module} exited (${signal ?? code})`)));

  const close = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    try {
      child.send({ type: 'exit' } satisfies ToProducer);
    } catch {
      child.kill('SIGKILL');
    }
    await gone;
    clearTimeout(timer);
  };

  const slow = setTimeout(() => fail(new Error(`producer ${spawn.module}: not ready within 60 s`)), 60_000);
  let started: Extract<FromProducer, { type: 'ready' }>;
  try {
    started = await ready;
  } catch (error) {
    await close();
    throw error;
  } finally {
    clearTimeout(slow);
  }

  return {
    pid: started.pid,
    node: started.node,
    call(request, timeoutMs) {
      if (failure) return Promise.reject(failure);
      const id = ++seq;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`producer ${spawn.module}: no answer to ${request.op} within ${timeoutMs} ms`));
        }, timeoutMs);
        pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
        child.send({ type: 'call', seq: id, request } satisfies ToProducer);
      });
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
