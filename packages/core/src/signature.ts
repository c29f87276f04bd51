/**
 * Signatures as plain data, in Celery's dict shape, and the canvas constructors
 * (`chain`, `group`, `chord`). Running them is the client's and worker's job. The compile-time
 * checks of how results flow between them live in `signature-types.ts`.
 */
import type { ChainCheck, ChordBodyMismatch, AcceptsParent, GroupArgs, GroupResults, SignatureArgs, SignatureResult } from './signature-types.js';

export type { SignatureResult } from './signature-types.js';

/** Celery's signature dict, key for key (`celery.canvas.Signature`). */
export interface SignatureData {
  task: string;
  args: unknown[];
  kwargs: Record<string, unknown>;
  /** `apply_async` options for that task: `task_id`, `queue`, `priority`, `link`, `reply_to`, stamps… */
  options: Record<string, unknown>;
  /** `null` for a plain task, else `'group'`, `'chord'`, `'chain'`. */
  subtask_type: 'group' | 'chord' | 'chain' | null;
  /** When true, the parent's result is not prepended to `args`. */
  immutable: boolean;
  /** Celery ≥ 5.3 may add `chord_size`; carried when present. */
  chord_size?: number | null;
}

/**
 * A typed signature: the data plus phantom types for the arguments it still takes in front of the
 * ones it holds (a parent's result is prepended, as Celery does) and its result, so canvas can
 * check that a chain step accepts the previous result.
 */
export interface Signature<A extends unknown[] = unknown[], R = unknown> extends SignatureData {
  /** Phantom: the argument types still to prepend. Never present at run time. */
  readonly __args?: A;
  /** Phantom: result type. Never present at run time. */
  readonly __result?: R;
}

/** Options accepted when building a signature. */
export interface SignatureOptions {
  immutable?: boolean;
  options?: Record<string, unknown>;
}

/**
 * Builds a task signature. Untyped, it is not checked in a canvas; `A` (what it still takes in
 * front of `args`) and `R` (its result) type one, e.g. for a task living in Python.
 * @example
 * const s = signature('tasks.add', [2, 2]);
 * const double = signature<[x: number], number>('py.tasks.double'); // a chain step after a number
 */
export function signature<A extends unknown[] = unknown[], R = unknown>(
  task: string,
  args: readonly unknown[] = [],
  kwargs: Record<string, unknown> = {},
  opts: SignatureOptions = {},
): Signature<A, R> {
  return {
    task,
    args: [...args],
    kwargs: { ...kwargs },
    options: { ...(opts.options ?? {}) },
    subtask_type: null,
    immutable: opts.immutable ?? false,
  };
}

/** A signature that ignores its parent's result (`add.si(1, 2)`), so it fits any step of a chain. */
export interface ImmutableSignature<R = unknown> extends Signature<[], R> {
  immutable: true;
}

/** A signature that ignores its parent's result (`si()` in Celery). */
export function immutable<S extends SignatureData>(sig: S): S & { immutable: true } {
  return { ...sig, immutable: true };
}

/** A canvas signature (`celery.chain`, `celery.group`, `celery.chord`) in Celery's dict shape. */
export function canvasSignature(type: 'chain' | 'group' | 'chord', kwargs: Record<string, unknown>, options: Record<string, unknown> = {}): SignatureData {
  return { task: `celery.${type}`, args: [], kwargs, options, subtask_type: type, immutable: false };
}

/** The last element type of a tuple (the element type of a list). */
type Last<S extends readonly unknown[]> = S extends readonly [...unknown[], infer L] ? L : S[number];

/**
 * `chain(a, b, c)`: run `a`, pass its result to `b`, then to `c`. Each step after the first must
 * accept the previous result as its first argument (`multiply.s(10)` takes one, `add.si(1, 2)`
 * ignores it); a step that does not is a compile error naming the step. The chain takes what its
 * first step takes and returns what its last returns.
 * @example
 * chain(add.s(2, 2), multiply.s(10)) // Signature<[], number>
 */
export function chain<S extends readonly SignatureData[]>(...tasks: S & (S extends readonly [] ? [first: SignatureData] : ChainCheck<S>)): Signature<SignatureArgs<S[0]>, SignatureResult<Last<S>>> {
  if (tasks.length === 0) throw new TypeError('chain() needs at least one signature');
  return canvasSignature('chain', { tasks: tasks.map((t) => ({ ...t })) });
}

/**
 * A group signature. `subtask_type` is the literal `'group'`, so `client.apply()` can tell a group
 * (whose result is a GroupResult) from other signatures by type.
 */
export interface GroupSignature<R extends readonly unknown[] = unknown[], A extends unknown[] = []> extends Signature<A, R> {
  subtask_type: 'group';
}

/**
 * `group([a, b])`: run signatures in parallel; the result is the list of their results, typed as a
 * tuple when the members are listed inline. As a chain step it passes the previous result to every
 * member, so it takes what all of them accept.
 * @example
 * group([add.s(1, 1), add.s(2, 2)]) // GroupSignature<[number, number]>
 */
export function group<S extends readonly SignatureData[]>(tasks: readonly [...S]): GroupSignature<GroupResults<S>, GroupArgs<S>> {
  return { ...canvasSignature('group', { tasks: tasks.map((t) => ({ ...t })) }), subtask_type: 'group' };
}

/**
 * `chord([a, b], body)`: run the header in parallel, then `body` with the list of header results
 * prepended to its arguments; a body that does not accept that list is a compile error (unless a
 * header member is untyped).
 * @example
 * chord([add.s(1, 1), add.s(2, 2)], tsum.s()) // Signature<[], number>
 */
export function chord<H extends readonly SignatureData[], B extends SignatureData>(
  header: readonly [...H],
  // Unchecked when a header member's result is unknown (an untyped signature's).
  body: B & (unknown extends GroupResults<H>[number] ? unknown : AcceptsParent<B, GroupResults<H>> extends true ? unknown : ChordBodyMismatch<GroupResults<H>, SignatureArgs<B>>),
): Signature<GroupArgs<H>, SignatureResult<B>> {
  return canvasSignature('chord', { kwargs: {}, header: group(header), body: { ...body } });
}

/** Whether a value has the shape of a Celery signature dict. */
export function isSignatureData(value: unknown): value is SignatureData {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v['task'] === 'string' && Array.isArray(v['args'] ?? []) && typeof (v['kwargs'] ?? {}) === 'object';
}

/** The member signatures of a group / chain signature. */
export function signatureTasks(sig: SignatureData): SignatureData[] {
  const tasks = sig.kwargs['tasks'];
  return Array.isArray(tasks) ? (tasks as SignatureData[]) : [];
}
