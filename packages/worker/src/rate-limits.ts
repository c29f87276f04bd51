/**
 * Rate limits between the ETA schedule and the slot gate. A job of a task with a rate limit waits
 * here, its message unacked, until its task's token bucket gives it a token; only then does it go
 * to the slot gate. A waiting job takes no concurrency slot, and jobs of other tasks pass by.
 *
 * Buckets hold one token, as Celery's (kombu's `TokenBucket(rate, capacity=1)`): starts of one
 * task are spaced `1 / rate` apart, with no burst after a quiet spell. A `'worker'` scope bucket
 * lives in this worker (Celery's behaviour: every worker allows the full rate); a `'cluster'` one
 * in a {@link SharedRateLimiter} every worker uses (the broker's, or `rateLimits.limiter`). There a
 * worker with several jobs waiting takes up to {@link CLUSTER_HORIZON_MS} worth of tokens ahead in
 * one call, each with its own wait, and gives back those it could not use when it stops; its own
 * buckets it asks {@link WORKER_HORIZON_MS} ahead.
 */
import type { Clock, Logger, RateLimit, RateLimitScope, SharedRateLimiter, TaskDefinition } from '@celerity/core';
import { ConfigurationError, NotRegisteredError, createMemoryRateLimiter, parseRateLimit } from '@celerity/core';
import type { Job } from './delivery-pipeline.js';
import type { SlotGate } from './slot-gate.js';

/**
 * How far ahead a worker takes cluster tokens. A worker with tasks waiting asks the shared store
 * about every half of it (8 times a second per busy task) rather than once per task: four workers at
 * 50/s made 617 calls for 1,000 tokens (rate-limits.int.test.ts).
 */
export const CLUSTER_HORIZON_MS = 250;
/**
 * How far ahead a worker takes tokens of its own buckets. Each start is timed from the bucket, not
 * from the timer that asked: a timer firing a millisecond late (they do) then delays one start
 * without losing the bucket's refill, which a one-token bucket asked only once full would (at 100/s
 * that lost about 5% of the rate).
 */
export const WORKER_HORIZON_MS = 20;
/** Wait before asking a shared store again after it failed (the jobs stay held meanwhile). */
export const LIMITER_RETRY_MS = 1000;

/**
 * How much jobs held for a token widen the prefetch window: by their number, up to the base window
 * (so it at most doubles). Celery does not widen it: there a queue of limited tasks keeps every
 * other task behind them waiting. Bounded, because a long queue of limited tasks would otherwise
 * all be taken and held unacked; a task mixed sparsely among limited ones still gets fetched.
 * @example rateHeldWidening(100, 40) // 40
 */
export function rateHeldWidening(held: number, base: number): number {
  return Math.min(held, base);
}

/** The worker's `rateLimits` option. */
export interface RateLimitsOptions {
  /**
   * Scope of the rate limits of tasks that do not set `rateLimitScope`, `defaultRateLimit`
   * included. @default 'worker'
   */
  scope?: RateLimitScope;
  /**
   * Where cluster-wide buckets live. @default the broker's `rateLimiter` (Redis, memory); an AMQP
   * worker with a cluster-wide limit needs one, e.g. `createRedisBroker({ url }).rateLimiter`.
   */
  limiter?: SharedRateLimiter;
}

/** Options of {@link limitRates}. */
export interface RateLimitedGateOptions {
  gate: SlotGate<Job>;
  tasks: ReadonlyMap<string, TaskDefinition>;
  clock: Clock;
  logger: Logger;
  /** Concurrency: a worker takes no more cluster tokens ahead than it has slots to use them. */
  concurrency: number;
  defaultRateLimit?: RateLimit | undefined;
  rateLimits?: RateLimitsOptions | undefined;
  /** The broker's shared limiter, if it has one. */
  brokerLimiter?: SharedRateLimiter | undefined;
  /** Called when the number of held jobs changes (the worker widens its prefetch window by it). */
  changed?(): void;
}

/** The slot gate behind rate limits: the same face, plus the jobs held for a token and the run-time setter. */
export interface RateLimitedGate extends SlotGate<Job> {
  /** Jobs waiting for a token (also counted in `waiting`). */
  readonly held: number;
  /** Changes a task's limit on this worker now (`null` / `0` = none); throws for an unknown task or a bad limit. */
  setRateLimit(taskName: string, limit: RateLimit | null): void;
}

interface TaskLimit {
  readonly name: string;
  rate: number;
  readonly scope: RateLimitScope;
  readonly limiter: SharedRateLimiter;
  /** Jobs without a token yet, in arrival order. */
  readonly waiting: Job[];
  /** Jobs with a token that is not usable yet, and the timer that lets each through. */
  readonly reserved: Map<Job, unknown>;
  acquiring: boolean;
  timer: unknown;
}

/**
 * @example
 * const gate = limitRates({ gate: createSlotGate(...), tasks, clock, logger, concurrency, defaultRateLimit: '10/s' });
 * gate.push(job); // runs now, or once its task's bucket has a token
 */
export function limitRates(options: RateLimitedGateOptions): RateLimitedGate {
  const { gate, tasks, clock, logger, concurrency, changed } = options;
  const defaultRate = parseRateLimit(options.defaultRateLimit);
  const defaultScope = options.rateLimits?.scope ?? 'worker';
  if (defaultScope !== 'worker' && defaultScope !== 'cluster') throw new ConfigurationError(`rateLimits.scope must be 'worker' or 'cluster', got ${JSON.stringify(defaultScope)}`);
  const local = createMemoryRateLimiter({ clock });
  const shared = options.rateLimits?.limiter ?? options.brokerLimiter;
  const limits = new Map<string, TaskLimit>();
  let closed = false;
  let held = 0;
  let failing = false;

  const limiterFor = (name: string, scope: RateLimitScope): SharedRateLimiter => {
    if (scope === 'worker') return local;
    if (shared) return shared;
    throw new ConfigurationError(`Task ${name} has a cluster-wide rate limit, but the broker keeps no shared buckets (AMQP): pass rateLimits.limiter (e.g. createRedisBroker({ url }).rateLimiter)`);
  };

  const create = (definition: TaskDefinition, rate: number): TaskLimit => {
    const scope = definition.options.rateLimitScope ?? defaultScope;
    const limit: TaskLimit = { name: definition.name, rate, scope, limiter: limiterFor(definition.name, scope), waiting: [], reserved: new Map(), acquiring: false, timer: undefined };
    limits.set(definition.name, limit);
    return limit;
  };

  // Fail at creation, not at the first message: every limit known now gets its bucket.
  for (const definition of tasks.values()) {
    const rate = definition.options.rateLimit === undefined ? defaultRate : parseRateLimit(definition.options.rateLimit);
    if (rate > 0) create(definition, rate);
  }

  const count = (delta: number): void => {
    held += delta;
    changed?.();
  };

  const forward = (job: Job): void => {
    count(-1);
    gate.push(job);
  };

  const later = (limit: TaskLimit, ms: number): void => {
    limit.timer = clock.setTimeout(() => {
      limit.timer = undefined;
      pump(limit);
    }, ms);
  };

  const giveBackTokens = (limit: TaskLimit, tokens: number): void => {
    if (tokens <= 0) return;
    limit.limiter.release(limit.name, tokens, { rate: limit.rate, burst: 1 }).catch((error: unknown) => logger.debug(`Could not give back ${tokens} rate limit token(s) of ${limit.name}: ${(error as Error).message}`));
  };

  // Releases every job held by `limit` at once (its limit went away): tokens not yet due go back.
  const flush = (limit: TaskLimit): void => {
    for (const timer of limit.reserved.values()) clock.clearTimeout(timer);
    giveBackTokens(limit, limit.reserved.size);
    const jobs = [...limit.reserved.keys(), ...limit.waiting.splice(0)];
    limit.reserved.clear();
    for (const job of jobs) forward(job);
  };

  function pump(limit: TaskLimit): void {
    if (closed || limit.acquiring || limit.timer !== undefined || limit.waiting.length === 0) return;
    if (limit.rate <= 0) return flush(limit);
    const cluster = limit.scope === 'cluster';
    // A worker whose slots are taken would sit on cluster tokens another worker could use now.
    const room = Math.max(1, concurrency - gate.active - gate.waiting);
    const request = { rate: limit.rate, burst: 1, wanted: Math.min(limit.waiting.length, room), horizonMs: cluster ? CLUSTER_HORIZON_MS : WORKER_HORIZON_MS };
    limit.acquiring = true;
    // Waits count from the request: the store answered at about that time (Redis: within half a
    // round trip), and counting from the answer would shift every start by the time it took.
    const asked = clock.now();
    limit.limiter.acquire(limit.name, request).then(
      (grant) => {
        limit.acquiring = false;
        if (failing) logger.info(`Rate limit buckets of ${limit.name} reachable again`);
        failing = false;
        if (closed) return giveBackTokens(limit, grant.granted);
        const jobs = limit.waiting.splice(0, grant.granted);
        giveBackTokens(limit, grant.granted - jobs.length);
        jobs.forEach((job, i) => {
          const wait = asked + (grant.waitMs[i] ?? 0) - clock.now();
          if (wait <= 0) return forward(job);
          const timer = clock.setTimeout(() => {
            limit.reserved.delete(job);
            forward(job);
          }, wait);
          limit.reserved.set(job, timer);
        });
        if (limit.waiting.length === 0) return;
        const last = asked + (grant.waitMs[grant.granted - 1] ?? 0) - clock.now();
        // Short of tokens: ask again when one can be had, but not before half those taken ahead are
        // used (half the horizon when none were: another worker holds them, and a token that comes
        // within reach is only usable a whole horizon later, so nothing is lost by waiting). Short of
        // slots (all wanted were granted): once the last token taken is due.
        const retryAfter = asked + grant.retryAfterMs - clock.now();
        const ahead = grant.granted === 0 ? request.horizonMs / 2 : last - request.horizonMs / 2;
        const next = grant.granted < request.wanted ? Math.max(retryAfter, ahead) : Math.max(last, 1000 / limit.rate);
        later(limit, next);
      },
      (error: unknown) => {
        limit.acquiring = false;
        const line = `Could not take a rate limit token for ${limit.name} (${limit.waiting.length} held), trying again in ${LIMITER_RETRY_MS} ms: ${(error as Error).message}`;
        if (failing) logger.debug(line);
        else logger.warn(line, { error });
        failing = true;
        if (!closed) later(limit, LIMITER_RETRY_MS);
      },
    );
  }

  return {
    push(job) {
      const limit = limits.get(job.definition.name);
      if (limit === undefined || limit.rate <= 0) return gate.push(job);
      limit.waiting.push(job);
      count(1);
      pump(limit);
    },
    get held() {
      return held;
    },
    get active() {
      return gate.active;
    },
    get waiting() {
      return gate.waiting + held;
    },
    get running() {
      return gate.running;
    },
    get concurrency() {
      return gate.concurrency;
    },
    resize: (size) => gate.resize(size),
    close() {
      closed = true;
      for (const limit of limits.values()) {
        if (limit.timer !== undefined) clock.clearTimeout(limit.timer);
        limit.timer = undefined;
      }
      gate.close();
    },
    takeWaiting() {
      const jobs: Job[] = [];
      for (const limit of limits.values()) {
        for (const timer of limit.reserved.values()) clock.clearTimeout(timer);
        giveBackTokens(limit, limit.reserved.size);
        jobs.push(...limit.reserved.keys(), ...limit.waiting.splice(0));
        limit.reserved.clear();
      }
      if (jobs.length > 0) count(-jobs.length);
      return [...jobs, ...gate.takeWaiting()];
    },
    settledAll: () => gate.settledAll(),
    setRateLimit(taskName, limit) {
      const definition = tasks.get(taskName);
      if (!definition) throw new NotRegisteredError(taskName);
      const rate = parseRateLimit(limit);
      const existing = limits.get(taskName);
      if (existing === undefined) {
        if (rate > 0) create(definition, rate);
        return;
      }
      existing.rate = rate;
      if (existing.timer !== undefined) clock.clearTimeout(existing.timer);
      existing.timer = undefined;
      if (rate <= 0) flush(existing);
      else pump(existing);
    },
  };
}
