/**
 * `clone`: Celery's `Signature.clone(args, kwargs, **options)` for signatures as plain data.
 */
import type { GroupSignature, Signature, SignatureData } from './signature.js';
import { isSignatureData } from './signature.js';
import type { BoundArgs, SignatureArgs, TrailingArgs } from './signature-types.js';

/**
 * Options whose value a clone keeps when the signature already has one (Celery's
 * `_IMMUTABLE_OPTIONS`): changing a member's group id would leave its group waiting.
 */
const KEPT_OPTIONS: readonly string[] = ['group_id'];

/** The arguments `clone` may prepend: trailing arguments of what the signature still takes; anything for an immutable one (ignored). */
export type CloneArgs<S> = S extends { readonly immutable: true } ? readonly unknown[] : TrailingArgs<SignatureArgs<S>>;

/** The type of `clone(sig, args)`: what the signature still takes, less the prepended `args`. */
export type Cloned<S, H extends readonly unknown[]> = S extends { readonly immutable: true }
  ? S
  : H extends readonly []
    ? S
    : H extends unknown[]
      ? S extends GroupSignature<infer R, infer A>
        ? GroupSignature<R, BoundArgs<A, H>>
        : S extends Signature<infer A, infer R>
          ? Signature<BoundArgs<A, H>, R>
          : S
      : S;

/**
 * A copy of a signature, as Celery's `sig.clone(args, kwargs, **options)` makes it: `args` are
 * prepended to its arguments and `kwargs` merged over its keyword arguments (both ignored when the
 * signature is immutable); `options` are merged over its options, except that `group_id` and the
 * headers listed in its `stamped_headers` keep the value they have. Options are deep-copied, and
 * so are the signatures nested in a chain, group or chord, so that changing the copy never changes
 * the original.
 * @example
 * const partial = multiply.s(10);           // Signature<[x: number], number>
 * const full = clone(partial, [4]);          // Signature<[], number>: multiply(4, 10)
 * const routed = clone(full, [], {}, { queue: 'math' });
 */
export function clone<S extends SignatureData, const H extends CloneArgs<S> | [] = []>(
  sig: S,
  args?: H,
  kwargs?: Readonly<Record<string, unknown>>,
  options?: Readonly<Record<string, unknown>>,
): Cloned<S, H> {
  const held = sig.immutable ? sig.args : [...(args ?? []), ...sig.args];
  const keywords = sig.immutable ? { ...sig.kwargs } : { ...sig.kwargs, ...(kwargs ?? {}) };
  return {
    ...sig,
    args: held,
    kwargs: cloneNested(sig, keywords),
    options: copyOptions(sig.task, mergeOptions(sig.options, options ?? {})),
  } as SignatureData as Cloned<S, H>;
}

function copyOptions(task: string, options: Record<string, unknown>): Record<string, unknown> {
  try {
    return structuredClone(options);
  } catch (error) {
    throw new TypeError(`clone(${task}): options must be plain data (${error instanceof Error ? error.message : String(error)})`, { cause: error });
  }
}

function mergeOptions(current: Readonly<Record<string, unknown>>, updates: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const stamped = current['stamped_headers'];
  const kept = new Set([...KEPT_OPTIONS, ...(Array.isArray(stamped) ? stamped.filter((h): h is string => typeof h === 'string') : [])]);
  const merged: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(updates)) {
    if (kept.has(key) && key in current) continue;
    merged[key] = value;
  }
  return merged;
}

/** Copies the signatures a canvas holds in its kwargs (`tasks` of a chain or group, `header` / `body` of a chord). */
function cloneNested(sig: SignatureData, kwargs: Record<string, unknown>): Record<string, unknown> {
  if (sig.subtask_type === null) return kwargs;
  const out = { ...kwargs };
  for (const key of ['tasks', 'header', 'body']) {
    const value = out[key];
    if (Array.isArray(value)) out[key] = value.map((member: unknown) => (isSignatureData(member) ? clone(member) : member));
    else if (isSignatureData(value)) out[key] = clone(value);
  }
  return out;
}
