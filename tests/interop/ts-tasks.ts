/**
 * The interop tasks in TypeScript: the names, parameters and behaviour of
 * `tests/interop/py/celery_app.py`, so a TypeScript worker can serve a Python client and the other
 * way round. `params` is given so Python callers may pass keyword arguments.
 */
import { defineTask, type SignatureData, type TaskContext } from '@celerity/core';
import { Redis } from 'ioredis';

/** Raised by `tasks.fail`; named like Python's so a Python client sees `exc_type` `ValueError`. */
export class ValueError extends Error {
  override name = 'ValueError';
}

/** Where `tasks.record` appends, like the Python side's `RECORD_URL` / `RECORD_KEY`. */
export interface InteropTasksConfig {
  /** Redis URL. @default env `RECORD_URL` */
  recordUrl?: string;
  /** List key. @default env `RECORD_KEY`, else 'celerity:records' */
  recordKey?: string;
}

let config: InteropTasksConfig = {};
let recorder: { url: string; client: Redis } | undefined;

/**
 * Points `tasks.record` at a Redis list (closing the previous connection when the URL changes).
 * @example
 * configureInteropTasks({ recordUrl: redis.url });
 */
export function configureInteropTasks(next: InteropTasksConfig): void {
  config = { ...next };
}

/** Closes the connection `tasks.record` opened, if any. */
export async function closeInteropTasks(): Promise<void> {
  const current = recorder;
  recorder = undefined;
  if (current) await current.client.quit().catch(() => current.client.disconnect());
}

function recordClient(): Redis {
  const url = config.recordUrl ?? process.env.RECORD_URL;
  if (!url) throw new Error('tasks.record: no Redis to record into; call configureInteropTasks({ recordUrl }) or set RECORD_URL');
  if (recorder && recorder.url !== url) {
    recorder.client.disconnect();
    recorder = undefined;
  }
  recorder ??= { url, client: new Redis(url, { maxRetriesPerRequest: 3 }) };
  return recorder.client;
}

/** `tasks.add(x, y)` → `x + y`. */
export const add = defineTask({ name: 'tasks.add', params: ['x', 'y'] }, (x: number, y: number) => x + y);

/** `tasks.echo(value)` → `value`, unchanged. */
export const echo = defineTask({ name: 'tasks.echo', params: ['value'] }, (value: unknown) => value);

/** `tasks.fail(msg)` raises `ValueError(msg)`. */
export const fail = defineTask({ name: 'tasks.fail', params: ['msg'] }, (msg: string): never => {
  throw new ValueError(msg);
});

/** `tasks.sleep(seconds)` waits, then returns `seconds`; stops early when the run is aborted. */
export const sleep = defineTask(
  { name: 'tasks.sleep', params: ['seconds'] },
  (seconds: number, ctx: TaskContext) =>
    new Promise<number>((resolve, reject) => {
      if (ctx.signal.aborted) return reject(ctx.signal.reason);
      const onAbort = () => {
        clearTimeout(timer);
        reject(ctx.signal.reason);
      };
      const timer = setTimeout(() => {
        ctx.signal.removeEventListener('abort', onAbort);
        resolve(seconds);
      }, seconds * 1000);
      ctx.signal.addEventListener('abort', onAbort, { once: true });
    }),
);

/** `tasks.record(tag)` appends `{tag, worker, id, lang: 'ts'}` to the record list (exactly-once checks) and returns `tag`. */
export const record = defineTask({ name: 'tasks.record', params: ['tag'] }, async (tag: string, ctx: TaskContext) => {
  const entry = { tag, worker: ctx.hostname, id: ctx.id, lang: 'ts' };
  await recordClient().rpush(config.recordKey ?? process.env.RECORD_KEY ?? 'celerity:records', JSON.stringify(entry));
  return tag;
});

/**
 * `tasks.flaky(fails)` raises `ValueError('attempt <n>')` while it has been retried fewer than
 * `fails` times, retrying by itself 0.5 s later (at most 2 retries), then returns its retry count.
 */
export const flaky = defineTask(
  { name: 'tasks.flaky', params: ['fails'], autoretryFor: [ValueError], defaultRetryDelay: 0.5, maxRetries: 2 },
  (fails: number, ctx: TaskContext) => {
    if (ctx.retries < fails) throw new ValueError(`attempt ${ctx.retries}`);
    return ctx.retries;
  },
);

/** `tasks.replace_with(sig)` replaces itself with the signature `sig` (Celery's `Task.replace`), like the Python one. */
export const replaceWith = defineTask({ name: 'tasks.replace_with', params: ['sig'] }, (sig: SignatureData, ctx: TaskContext): never => ctx.replace(sig));
