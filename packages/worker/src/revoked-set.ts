/**
 * The ids of revoked tasks this worker knows, each until its revoke lapses (Celery's
 * `worker_state.revoked`, a LimitedSet of at most 50,000 ids kept 3 h). A lookup is one `Map.has`
 * (the hot path, per task); lapsed entries are only looked at when an id is found or when adding.
 */
import type { Clock } from '@celerity/core';

/** Most ids kept at once (Celery's `REVOKES_MAX`): past it, the oldest are forgotten first. */
export const REVOKES_MAX = 50_000;

/** What `worker.revoked` shows: the ids revoked now. */
export interface RevokedTasks {
  has(id: string): boolean;
  readonly size: number;
  /** The ids revoked now, oldest first. */
  ids(): string[];
}

/** The worker's side: adding revokes, as heard or loaded. */
export interface RevokedSet extends RevokedTasks {
  /** Adds ids revoked until `expiresAt` (ms since the epoch); returns those not revoked before. */
  add(ids: readonly string[], expiresAt: number): string[];
}

/** @example const revoked = createRevokedSet(systemClock); revoked.add([id], Date.now() + 10_800_000); */
export function createRevokedSet(clock: Clock, max = REVOKES_MAX): RevokedSet {
  const entries = new Map<string, number>();

  const lapsed = (id: string, expiresAt: number): boolean => {
    if (expiresAt > clock.now()) return false;
    entries.delete(id);
    return true;
  };

  const trim = (): void => {
    const now = clock.now();
    for (const [id, expiresAt] of entries) if (expiresAt <= now) entries.delete(id);
    for (const id of entries.keys()) {
      if (entries.size <= max) break;
      entries.delete(id);
    }
  };

  return {
    has(id) {
      const expiresAt = entries.get(id);
      return expiresAt !== undefined && !lapsed(id, expiresAt);
    },
    get size() {
      return entries.size;
    },
    ids() {
      return [...entries.keys()].filter((id) => this.has(id));
    },
    add(ids, expiresAt) {
      const fresh: string[] = [];
      for (const id of ids) {
        const known = entries.get(id);
        if (known === undefined || known <= clock.now()) fresh.push(id);
        // Re-inserted so the Map's order stays oldest first.
        entries.delete(id);
        entries.set(id, Math.max(expiresAt, known ?? 0));
      }
      if (entries.size > max) trim();
      return fresh;
    },
  };
}
