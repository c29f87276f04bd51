/**
 * The ingest lease: one dashboard at a time writes events into the store (SET NX PX with a random
 * token, renewed by its holder); the others only read, and one of them takes over within the lease
 * time once the holder stops renewing. Every write script checks the token too, so a holder that
 * lost the lease without noticing writes nothing.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { RELEASE, RENEW } from './store-scripts.js';

export class IngestLease {
  readonly token = randomUUID();
  #held = false;

  constructor(
    private readonly redis: Redis,
    private readonly key: string,
    /** Milliseconds the lease lasts unless renewed. */
    readonly leaseMs: number,
  ) {}

  /** Whether this instance held the lease at its last acquire / renew. */
  get held(): boolean {
    return this.#held;
  }

  /** Renews the lease if held, else tries to take it. Resolves with whether it is held now. */
  async refresh(): Promise<boolean> {
    if (this.#held) {
      const renewed = Number(await this.redis.eval(RENEW, 1, this.key, this.token, this.leaseMs));
      this.#held = renewed === 1;
      if (this.#held) return true;
    }
    const taken = await this.redis.set(this.key, this.token, 'PX', this.leaseMs, 'NX');
    this.#held = taken === 'OK';
    return this.#held;
  }

  /** Gives the lease up (only if still ours), so another instance takes over at once. */
  async release(): Promise<void> {
    if (!this.#held) return;
    this.#held = false;
    await this.redis.eval(RELEASE, 1, this.key, this.token);
  }

  /** Marks the lease as lost (a write script found another token). */
  lost(): void {
    this.#held = false;
  }
}
