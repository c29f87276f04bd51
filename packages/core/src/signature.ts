/**
 * Signatures as plain data, in Celery's dict shape, and the canvas constructors
 * (`chain`, `group`, `chord`). Running them is the client's and worker's job.
 */

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
 * A typed signature: the data plus phantom types for the argument tuple the task still needs and
 * its result, so canvas can check that a chain link accepts the previous result.
 */
export interface Signature<A extends unknown[] = unknown[], R = unknown> extends SignatureData {
  /** Phantom: remaining argument types. Never present at run time. */
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
 * Builds a task signature.
 * @example
 * const s = signature('tasks.add', [2, 2]);
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

/** A signature that ignores its parent's result (`si()` in Celery). */
export function immutable<S extends SignatureData>(sig: S): S {
  return { ...sig, immutable: true };
}

/** Type of the value a signature's task returns. */
export type SignatureResult<S> = S extends Signature<unknown[], infer R> ? R : unknown;

/** A canvas signature (`celery.chain`, `celery.group`, `celery.chord`) in Celery's dict shape. */
export function canvasSignature(type: 'chain' | 'group' | 'chord', kwargs: Record<string, unknown>, options: Record<string, unknown> = {}): SignatureData {
  return { task: `celery.${type}`, args: [], kwargs, options, subtask_type: type, immutable: false };
}

/**
 * `chain(a, b, c)`: run `a`, pass its result to `b`, then to `c`.
 * @example
 * chain(add.s(2, 2), multiply.s(10))
 */
export function chain<S extends SignatureData[]>(...tasks: S): Signature<[], SignatureResult<S extends [...unknown[], infer L] ? L : never>> {
  if (tasks.length === 0) throw new TypeError('chain() needs at least one signature');
  return canvasSignature('chain', { tasks: tasks.map((t) => ({ ...t })) });
}

/**
 * A group signature. `subtask_type` is the literal `'group'`, so `client.apply()` can tell a group
 * (whose result is a GroupResult) from other signatures by type.
 */
export interface GroupSignature<R extends readonly unknown[] = unknown[]> extends Signature<[], R> {
  subtask_type: 'group';
}

/**
 * `group([a, b])`: run signatures in parallel; the result is the list of their results, typed as a
 * tuple when the members are listed inline.
 * @example
 * group([add.s(1, 1), add.s(2, 2)]) // GroupSignature<[number, number]>
 */
export function group<S extends readonly SignatureData[]>(tasks: readonly [...S]): GroupSignature<{ -readonly [K in keyof S]: SignatureResult<S[K]> }> {
  return { ...canvasSignature('group', { tasks: tasks.map((t) => ({ ...t })) }), subtask_type: 'group' };
}

/**
 * `chord([a, b], body)`: run the header in parallel, then `body` with the list of header results.
 * @example
 * chord([add.s(1, 1), add.s(2, 2)], tsum.s())
 */
export function chord<R>(header: readonly SignatureData[], body: Signature<unknown[], R> | SignatureData): Signature<[], R> {
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
