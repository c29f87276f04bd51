/**
 * Type-level canvas rules, as Celery applies them at run time: a step of a chain gets the previous
 * step's result prepended to its arguments (unless it is immutable), a chord's body gets the list of
 * its header's results, and a group passes what it receives to every member. Nothing here exists at
 * run time.
 */
import type { Signature } from './signature.js';

/**
 * The arguments a signature still takes in front of the ones it holds: `add.s(2)` takes `[x: number]`
 * (Celery prepends the parent's result), `add.s(1, 2)` takes `[]`, an immutable signature
 * `[parent?: unknown]` (it ignores whatever it is given), an untyped one `unknown[]`.
 */
export type SignatureArgs<S> = S extends { readonly immutable: true }
  ? [parent?: unknown]
  : S extends { readonly __args?: infer A }
    ? A extends unknown[]
      ? A
      : unknown[]
    : unknown[];

/** Type of the value a signature's task (or canvas) returns. */
export type SignatureResult<S> = S extends Signature<unknown[], infer R> ? R : unknown;

/** Whether a signature can run on its own, with no parent's result (nothing left to prepend). */
export type CanStart<S> = [] extends SignatureArgs<S> ? true : false;

/** Whether a signature can run with the parent's result `P` prepended to its arguments. */
export type AcceptsParent<S, P> = [P] extends SignatureArgs<S> ? true : false;

/** The type of parent's result a signature accepts as its first argument; `never` when it takes none. */
export type ParentType<S> = SignatureArgs<S> extends [(infer H)?, ...unknown[]] ? ([H] extends SignatureArgs<S> ? H : never) : never;

/** Drops the first element of a tuple (required or optional); an array stays itself. */
type Tail<T extends readonly unknown[]> = T extends readonly [unknown?, ...infer R] ? R : [];

/**
 * Every argument list a partial signature may hold: the task's parameters with 0, 1, 2… leading
 * ones left for parents (`[x: number, y: number] | [y: number] | []` for `add`).
 */
export type TrailingArgs<P extends unknown[]> = number extends P['length']
  ? P extends [unknown, ...infer R]
    ? P | TrailingArgs<R>
    : P
  : P extends []
    ? []
    : P | TrailingArgs<Tail<P>>;

/**
 * The arguments left to prepend once a signature holds `Held` of a task's parameters `P`: the
 * leading ones `Held` does not fill, the last of them optional when `Held` alone is a valid call
 * too. `add.s(2)` → `[x: number]`; for `(a: number, b?: number)`, `.s(5)` → `[parent?: number]`
 * (`f(5)` alone, or `f(previous, 5)` in a chain).
 */
export type BoundArgs<P extends unknown[], Held extends unknown[]> = IsList<P> extends true
  ? P
  : Held extends P
    ? [Head<P>, ...Held] extends P
      ? [parent?: Head<P>]
      : []
    : [Head<P>, ...BoundArgs<Tail<P>, Held>];

/** Whether a parameter list has no fixed positions (`unknown[]`, `number[]`): any number of arguments fits. */
type IsList<P extends unknown[]> = number extends P['length'] ? ([] extends P ? true : false) : false;

/**
 * The type of a task's `.s()`: it holds trailing arguments and returns a signature typed by
 * {@link BoundArgs}. Declared through a method so that a task taking `[x: number]` stays assignable
 * to one taking `unknown[]` (method parameters are compared both ways).
 */
export type SignatureBuilder<A extends unknown[], R> =
  IsList<A> extends true
    ? { s(...args: A): Signature<A, R> }['s']
    : { s<H extends TrailingArgs<A>>(...args: H): Signature<BoundArgs<A, H>, R> }['s'];

type Head<T extends unknown[]> = T extends [(infer H)?, ...unknown[]] ? H : never;

/** What a chain step that does not accept the previous result is checked against, so the error names it. */
export interface ChainStepMismatch<Step extends number, Previous, Takes> {
  readonly 'chain step (1-based)': Step;
  readonly 'gets the previous result': Previous;
  readonly 'but takes, in front of its own arguments': Takes;
}

/** What a chord body that does not accept its header's results is checked against. */
export interface ChordBodyMismatch<HeaderResults, Takes> {
  readonly 'chord body gets the header results': HeaderResults;
  readonly 'but takes, in front of its own arguments': Takes;
}

type Count<I extends unknown[]> = [...I, unknown]['length'] & number;

/**
 * `unknown` for each chain step that accepts the previous step's result (and for the first, and
 * after a step whose result is `unknown`, as an untyped signature's is),
 * {@link ChainStepMismatch} for one that does not. Intersected with the steps, it makes the
 * offending argument the one the compiler reports.
 */
export type ChainCheck<S extends readonly unknown[], Previous = never, I extends unknown[] = [], Out extends unknown[] = []> = S extends readonly [
  infer H,
  ...infer T,
]
  ? ChainCheck<T, SignatureResult<H>, [...I, unknown], [...Out, I extends [] ? unknown : unknown extends Previous ? unknown : AcceptsParent<H, Previous> extends true ? unknown : ChainStepMismatch<Count<I>, Previous, SignatureArgs<H>>]>
  : S extends readonly []
    ? Out
    : [...Out, ...unknown[]];

/** What one member adds to a group's results: a nested group its members' (Celery unrolls it), else its result. */
type MemberResults<M> = M extends { subtask_type: 'group' } ? (SignatureResult<M> extends infer R extends readonly unknown[] ? R : [SignatureResult<M>]) : [SignatureResult<M>];

/**
 * The results of a group's members: a tuple when the members are a tuple, else a list. A group
 * among the members is unrolled into its own members, as Celery does, so its results stand in line.
 */
export type GroupResults<S extends readonly unknown[]> = S extends readonly [infer H, ...infer T]
  ? [...MemberResults<H>, ...GroupResults<T>]
  : S extends readonly []
    ? []
    : Array<MemberResults<S[number]>[number]>;

type Box<T> = { value: T };
type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;

/**
 * What a group takes in front of its members' arguments: a group passes the parent's result to
 * each member, so it takes what all of them accept, and can start when all of them can.
 */
export type GroupArgs<S extends readonly unknown[]> = S extends readonly []
  ? [parent?: unknown]
  : GroupParentType<S> extends infer T
    ? false extends { [K in keyof S]: CanStart<S[K]> }[number]
      ? [parent: T]
      : [T] extends [never]
        ? []
        : [parent?: T]
    : never;

type GroupParentType<S extends readonly unknown[]> = UnionToIntersection<{ [K in keyof S]: Box<ParentType<S[K]>> }[number]> extends Box<infer T>
  ? T
  : never;
