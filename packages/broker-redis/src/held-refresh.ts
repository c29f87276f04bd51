/**
 * Keeps the messages this process holds — ETA tasks waiting for their time, long runs with late
 * acks — from looking abandoned. The visibility-timeout restore (ours, or a Python worker's: both
 * read `unacked_index`) gives back every message whose score is older than the timeout, so a held
 * message keeps its score fresh for as long as its holder lives, and no longer: a process that dies
 * stops refreshing, and its messages come back after the visibility timeout as before.
 * One script call per pass for every held message, on one interval timer: nothing per delivery.
 */
import type { RedisClient } from '@celerity/redis-common/internal';
import type { Logger } from '@celerity/core';
import { runScript } from '@celerity/redis-common/internal';
import type { HeldDeliveries } from './delivery.js';
import type { Keyspace } from './keys.js';
import { REFRESH_SCRIPT } from './scripts.js';

/** What refreshing needs from the broker. */
export interface HeldRefreshHost {
  readonly client: RedisClient;
  readonly keys: Keyspace;
  readonly logger: Logger;
  readonly held: HeldDeliveries;
  /** Clock seam, milliseconds. */
  now(): number;
}

/** The shortest refresh period (ms), whatever the visibility timeout. */
export const MIN_REFRESH_MS = 250;
/** Tags per script call: keeps each call's argument list (and its time in Redis) bounded. */
const CHUNK = 1000;

/**
 * How often held messages are refreshed: a third of the visibility timeout, so a score is never
 * older than the timeout even when a pass is late or fails once; at least {@link MIN_REFRESH_MS}.
 * @example refreshPeriod(3600) // 1_200_000 ms
 */
export function refreshPeriod(visibilityTimeout: number): number {
  return Math.max(MIN_REFRESH_MS, Math.floor((visibilityTimeout * 1000) / 3));
}

/**
 * Moves the `unacked_index` score of every held message whose entry is written to now; returns how
 * many scores moved. Acked and restored messages are left alone (see `REFRESH_SCRIPT`).
 */
export async function refreshHeld(host: HeldRefreshHost): Promise<number> {
  const { keys } = host;
  // One group on one server (every queue shares `unacked`); one per queue on a cluster.
  const groups = host.held.tagsBy((queue) => (keys.cluster ? queue : ''));
  if (groups.size === 0) return 0;
  const now = String(host.now() / 1000);
  let moved = 0;
  for (const [queue, tags] of groups) {
    const bookkeeping = [keys.unackedOf(queue), keys.unackedIndexOf(queue)];
    for (let i = 0; i < tags.length; i += CHUNK) {
      moved += Number(await runScript(host.client, REFRESH_SCRIPT, bookkeeping, [now, ...tags.slice(i, i + CHUNK)]));
    }
  }
  return moved;
}

/** Runs {@link refreshHeld} every {@link refreshPeriod} while started; passes never overlap. */
export class HeldRefresher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly host: HeldRefreshHost,
    private readonly period: number,
  ) {}

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.pass(), this.period);
    // A held message must not keep the process alive.
    this.timer.unref();
  }

  /** Stops refreshing and waits for a pass in flight. */
  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private pass(): void {
    if (this.running !== undefined) return;
    this.running = refreshHeld(this.host)
      // A missed pass is survivable (the period is a third of the timeout); the next one retries.
      .catch((error: unknown) => this.host.logger.warn(`Refreshing held messages failed: ${error instanceof Error ? error.message : String(error)}`, { error }))
      .finally(() => {
        this.running = undefined;
      });
  }
}
