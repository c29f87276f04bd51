/**
 * `map`, `starmap` and `chunks`: Celery's `xmap`, `xstarmap` and `chunks` signatures, key for key
 * (`celery.map` / `celery.starmap` with kwargs `task`, `it`; `celery.chunks` with `task`, `it`, `n`;
 * immutable, `subtask_type` null). A worker that has the task runs the whole list in one message
 * (the built-in tasks in ./tasks.ts); `chunksGroup` splits a `chunks` into its group of starmaps.
 */
import { ConfigurationError } from '../../errors.js';
import type { GroupSignature, Signature, SignatureData } from '../../signature.js';
import { canvasSignature, signature } from '../../signature.js';

/**
 * What `map`, `starmap` and `chunks` take: a task definition, or a signature of it with no
 * arguments (`add.s()`). Celery's built-ins call the task by name with the items only, so
 * arguments bound in the signature would be dropped: they are refused instead.
 */
export type TaskRef<A extends unknown[], R> = { readonly __args?: A; readonly __result?: R } & ({ readonly kind: 'celerity.task'; readonly name: string } | SignatureData);

/** A `celery.map` / `celery.starmap` signature whose result is the list of the task's results. */
export interface MapSignature<R> extends Signature<[], R[]> {
  task: 'celery.map' | 'celery.starmap';
}

/** A `celery.chunks` signature: its result is one list of results per chunk. */
export interface ChunksSignature<R> extends Signature<[], R[][]> {
  task: 'celery.chunks';
}

/** The one argument of a task taking one (`[x]` or `[x?]`), else never. */
export type SingleArgument<A extends unknown[]> = A extends [infer T] ? T : A extends [(infer T)?] ? T : never;

/** The task as the signature dict the built-ins receive in their `task` kwarg. */
function taskSignature(task: TaskRef<unknown[], unknown> | string, what: string): SignatureData {
  if (typeof task === 'string') return signature(task);
  if ('kind' in task && task.kind === 'celerity.task') return signature(task.name);
  const sig = task as SignatureData;
  if (typeof sig.task !== 'string' || sig.subtask_type) throw new ConfigurationError(`${what}() needs a task or a task signature, got ${String(sig.subtask_type ?? typeof sig.task)}`);
  if ((sig.args ?? []).length > 0 || Object.keys(sig.kwargs ?? {}).length > 0) {
    throw new ConfigurationError(`${what}() calls ${sig.task} with each item alone (as Celery does): its signature must have no arguments, got ${JSON.stringify(sig.args)} ${JSON.stringify(sig.kwargs)}`);
  }
  return { ...sig, args: [], kwargs: {}, options: { ...sig.options } };
}

function itemsOf(items: readonly unknown[], what: string): unknown[] {
  if (!Array.isArray(items)) throw new ConfigurationError(`${what}() needs an array of items, got ${typeof items}`);
  return [...items];
}

function mapLike<R>(name: 'celery.map' | 'celery.starmap', task: TaskRef<unknown[], unknown> | string, items: readonly unknown[]): MapSignature<R> {
  const what = name.slice('celery.'.length);
  const it = itemsOf(items, what);
  if (name === 'celery.starmap' && !it.every(Array.isArray)) throw new ConfigurationError('starmap() needs each item to be an array of arguments');
  return { ...signature(name, [], { task: taskSignature(task, what), it }, { immutable: true }), task: name };
}

/**
 * `map(task, items)`: one message that calls `task` with each item in turn, in one worker process
 * (Celery's `add.map(items)`); its result is the list of results. Not parallel: use a group for that.
 * @example
 * const doubled = map(double, [1, 2, 3]); // Signature<[], number[]>, a `celery.map` signature
 */
export function map<T, R>(task: TaskRef<[T], R> | TaskRef<[T?], R>, items: readonly NoInfer<T>[]): MapSignature<R>;
/** `map` over a task known only by name (say, one only a Python worker has): untyped. */
export function map(task: string, items: readonly unknown[]): MapSignature<unknown>;
export function map(task: TaskRef<unknown[], unknown> | string, items: readonly unknown[]): MapSignature<unknown> {
  return mapLike('celery.map', task, items);
}

/**
 * `starmap(task, items)`: as {@link map}, each item being the task's argument list (Celery's
 * `add.starmap([[1, 2], [3, 4]])`).
 * @example
 * const sums = starmap(add, [[1, 2], [3, 4]]); // Signature<[], number[]>
 */
export function starmap<A extends unknown[], R>(task: TaskRef<A, R>, items: readonly NoInfer<A>[]): MapSignature<R>;
/** `starmap` over a task known only by name: untyped. */
export function starmap(task: string, items: readonly unknown[][]): MapSignature<unknown>;
export function starmap(task: TaskRef<unknown[], unknown> | string, items: readonly unknown[]): MapSignature<unknown> {
  return mapLike('celery.starmap', task, items);
}

/**
 * `chunks(task, items, n)`: the items cut into lists of at most `n`, each run as one
 * `celery.starmap` (Celery's `add.chunks(items, n)`). Sent as is, it is a `celery.chunks` message,
 * which a Celerity worker replaces with the group of starmaps (so its result is one list per
 * chunk); {@link chunksGroup} gives that group to send directly, as Celery's `chunks.apply_async` does.
 * @example
 * const parts = chunks(add, [[1, 1], [2, 2], [3, 3]], 2); // ChunksSignature<number>
 */
export function chunks<A extends unknown[], R>(task: TaskRef<A, R>, items: readonly NoInfer<A>[], n: number): ChunksSignature<R>;
/** `chunks` of a task known only by name: untyped. */
export function chunks(task: string, items: readonly unknown[][], n: number): ChunksSignature<unknown>;
export function chunks(task: TaskRef<unknown[], unknown> | string, items: readonly unknown[], n: number): ChunksSignature<unknown> {
  if (!Number.isInteger(n) || n < 1) throw new ConfigurationError(`chunks() needs a chunk size n that is a whole number ≥ 1, got ${String(n)}`);
  const it = itemsOf(items, 'chunks');
  if (!it.every(Array.isArray)) throw new ConfigurationError('chunks() needs each item to be an array of arguments');
  return { ...signature('celery.chunks', [], { task: taskSignature(task, 'chunks'), it, n }, { immutable: true }), task: 'celery.chunks' };
}

/** The parts of a `celery.chunks` signature's kwargs, checked. */
export function chunksParts(sig: SignatureData): { task: SignatureData; it: unknown[][]; n: number } {
  const { task, it, n } = sig.kwargs;
  if (typeof task !== 'object' || task === null || typeof (task as SignatureData).task !== 'string') throw new ConfigurationError(`celery.chunks needs a task signature in kwargs.task, got ${JSON.stringify(task)}`);
  if (!Array.isArray(it) || !it.every(Array.isArray)) throw new ConfigurationError('celery.chunks needs kwargs.it to be a list of argument lists');
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new ConfigurationError(`celery.chunks needs kwargs.n to be a whole number ≥ 1, got ${JSON.stringify(n)}`);
  return { task: task as SignatureData, it: it as unknown[][], n };
}

/**
 * A `chunks` signature as its group of `celery.starmap` signatures, one per chunk (Celery's
 * `chunks.group()`); its result is one list of results per chunk.
 * @example
 * const result = await client.apply(chunksGroup(chunks(add, items, 10)));
 */
export function chunksGroup<R>(sig: ChunksSignature<R> | SignatureData): GroupSignature<R[][]> {
  const { task, it, n } = chunksParts(sig);
  const parts: SignatureData[] = [];
  for (let i = 0; i < it.length; i += n) parts.push(signature('celery.starmap', [], { task: { ...task }, it: it.slice(i, i + n) }, { immutable: true }));
  return { ...canvasSignature('group', { tasks: parts }, { ...sig.options }), subtask_type: 'group' };
}
