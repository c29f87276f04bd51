/**
 * Writing task results: Celery's GET-check + `SETEX` + `PUBLISH`, done by the store script in as few
 * round trips as possible (script calls of up to STORE_BATCH results each, written back to back),
 * behind the result fence (core's `replacesStoredState`: a stored SUCCESS is final, a stored FAILURE
 * or REVOKED gives way to a SUCCESS only).
 */
import { ConfigurationError, READY_STATES, TaskState, replacesStoredState } from '@celerity/core';
import type { ResultMeta, Serializer } from '@celerity/core';
import type { RedisClient, ReplicaWaitOptions } from '@celerity/redis-common/internal';
import { isCluster, keySlot, runScript, waitForReplicas } from '@celerity/redis-common/internal';
import type { KeySpace } from './keys.js';
import { toCeleryMeta } from './meta.js';
import { STORE_BATCH, STORE_SCRIPT } from './scripts.js';

/** How the store script reads a stored status; `client` = it cannot read the format, we GET and decode. */
export type SuccessCheck = 'json' | 'msgpack' | 'client';

/** What storing needs from the backend. */
export interface StoreContext {
  readonly command: RedisClient;
  readonly keys: KeySpace;
  /** TTL in seconds; 0 = results do not expire. */
  readonly ttl: number;
  readonly check: SuccessCheck;
  encode(value: unknown): Buffer;
  /**
   * Encodes a whole meta directly when it can (see `fastJsonMeta`), else undefined. ASCII text, kept
   * a string: ioredis writes a command of strings as one string, one with a Buffer by concatenation.
   */
  fastEncode?(meta: ResultMeta): string | undefined;
  /** GET + decode (for the `client` check). */
  get(taskId: string): Promise<ResultMeta | null>;
  /** The `waitReplicas` option: WAIT after each write (undefined = off). */
  readonly replicaWait?: ReplicaWaitOptions | undefined;
}

/** Picks the SUCCESS check for a serializer. */
export function successCheckFor(serializer: Serializer): SuccessCheck {
  if (serializer.name === 'json' || serializer.contentType === 'application/json') return 'json';
  if (serializer.name === 'msgpack' || serializer.contentType === 'application/x-msgpack') return 'msgpack';
  return 'client';
}

/** Celery 5.3+ refuses empty ids too: they would address the bare prefix. */
export function assertId(id: string, what: string): void {
  if (typeof id !== 'string' || id.length === 0) throw new ConfigurationError(`${what} must be a non-empty string`);
}

/** A result ready to write: its key, encoded value and what its status is to the fence. */
interface Prepared {
  key: string;
  value: Buffer | string;
  kind: StateKind;
}

/** The store script's letter for a status: SUCCESS, another ready state, or not ready. */
type StateKind = 'S' | 'F' | 'N';

const kindOf = (status: string): StateKind => (status === TaskState.SUCCESS ? 'S' : READY_STATES.has(status) ? 'F' : 'N');

interface Batch {
  keys: string[];
  /** One StateKind letter per key. */
  kinds: string;
  values: Array<Buffer | string>;
}

/** Checks the id and encodes, so a bad result fails its own call only. */
function prepare(ctx: StoreContext, meta: ResultMeta): Prepared {
  assertId(meta.task_id, 'task_id');
  return { key: ctx.keys.task(meta.task_id), value: ctx.fastEncode?.(meta) ?? ctx.encode(toCeleryMeta(meta)), kind: kindOf(meta.status) };
}

function toBatches(ctx: StoreContext, entries: readonly Prepared[]): Batch[] {
  if (!ctx.keys.cluster) return chunked(entries);
  // On a cluster a script's keys must share a slot: one group of calls per slot, in order within it.
  const bySlot = new Map<number, Prepared[]>();
  for (const entry of entries) {
    const slot = keySlot(entry.key);
    const group = bySlot.get(slot);
    if (group === undefined) bySlot.set(slot, [entry]);
    else group.push(entry);
  }
  return [...bySlot.values()].flatMap(chunked);
}

function chunked(entries: readonly Prepared[]): Batch[] {
  const batches: Batch[] = [];
  for (let i = 0; i < entries.length; i += STORE_BATCH) {
    const slice = entries.slice(i, i + STORE_BATCH);
    let kinds = '';
    for (const e of slice) kinds += e.kind;
    batches.push({ keys: slice.map((e) => e.key), kinds, values: slice.map((e) => e.value) });
  }
  return batches;
}

const scriptArgs = (ctx: StoreContext, batch: Batch): (string | number | Buffer)[] => [
  ctx.check === 'client' ? 'none' : ctx.check,
  ctx.ttl,
  batch.kinds,
  ...batch.values,
];

/** One script call, written straight to the socket (`runScript`): an ioredis Pipeline costs more JS than the call itself. */
function writeOne(ctx: StoreContext, batch: Batch): Promise<unknown> {
  return runScript(ctx.command, STORE_SCRIPT, batch.keys, scriptArgs(ctx, batch));
}

/**
 * Writes, then (with `waitReplicas`) WAITs. The WAIT is sent in the continuation of the last reply,
 * before any I/O can swap the socket; not beside the writes, because a NOSCRIPT fallback would send
 * its EVAL after it.
 */
async function write(ctx: StoreContext, entries: readonly Prepared[]): Promise<void> {
  await writeAll(ctx, entries);
  // A cluster refuses waitReplicas when the backend is made (backend.ts).
  if (ctx.replicaWait !== undefined && !isCluster(ctx.command)) await waitForReplicas(ctx.command, ctx.replicaWait, 'Redis result backend: store');
}

async function writeAll(ctx: StoreContext, entries: readonly Prepared[]): Promise<void> {
  const batches = toBatches(ctx, entries);
  const single = batches.length === 1 ? batches[0] : undefined;
  if (single !== undefined) {
    await writeOne(ctx, single);
    return;
  }
  // Each call is written as it is made (one connection keeps their order). An ioredis Pipeline joined
  // them into one string of every call first (up to ~100 kB at a busy worker), which outlived young
  // collections: at concurrency 100 a sampling heap profile put about half of the bytes the worker
  // promoted to old space on that path, and peak RSS fell from 132–136 to 116–123 MiB without it.
  // Corking the calls into one write kept them alive longer (122–124 MiB).
  const outcomes = await Promise.allSettled(batches.map((batch) => writeOne(ctx, batch)));
  const failure = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
  if (failure !== undefined) throw failure.reason;
}

/** Stores results in order, behind the result fence (see the module comment). */
export async function storeResults(ctx: StoreContext, metas: readonly ResultMeta[]): Promise<void> {
  if (metas.length === 0) return;
  if (ctx.check !== 'client') {
    await write(ctx, metas.map((meta) => prepare(ctx, meta)));
    return;
  }
  // Formats the script cannot read: Celery's own (non-atomic) GET, then write what the fence lets
  // through. Repeated ids go one by one so an entry earlier in the list fences later ones.
  const unique = new Set(metas.map((m) => m.task_id)).size === metas.length;
  if (!unique) {
    for (const meta of metas) await storeResults(ctx, [meta]);
    return;
  }
  const entries = metas.map((meta) => prepare(ctx, meta));
  const current = await Promise.all(metas.map((m) => ctx.get(m.task_id)));
  const todo = entries.filter((_, i) => replacesStoredState(current[i]?.status, metas[i]?.status ?? ''));
  if (todo.length > 0) await write(ctx, todo);
}

/**
 * `store()` calls made in the same tick (a worker finishing many tasks at once) share script calls,
 * as `storeMany` does; each call still resolves or rejects on its own promise.
 * @example
 * const store = createStoreCoalescer(ctx);
 * await Promise.all(metas.map((m) => store(m)));
 */
export function createStoreCoalescer(ctx: StoreContext): (meta: ResultMeta) => Promise<void> {
  let queue: { entry: Prepared; resolve: () => void; reject: (err: unknown) => void }[] = [];
  const flush = (): void => {
    const taken = queue;
    queue = [];
    write(ctx, taken.map((q) => q.entry)).then(
      () => taken.forEach((q) => q.resolve()),
      (err: unknown) => taken.forEach((q) => q.reject(err)),
    );
  };
  return (meta) => {
    if (ctx.check === 'client') return storeResults(ctx, [meta]);
    let entry: Prepared;
    try {
      entry = prepare(ctx, meta);
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<void>((resolve, reject) => {
      if (queue.push({ entry, resolve, reject }) === 1) queueMicrotask(flush);
    });
  };
}
