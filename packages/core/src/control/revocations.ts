/**
 * Durable revokes: the ids of revoked tasks, kept by the broker with an expiry so a worker that
 * starts later (or was offline when the revoke was broadcast) still skips them. Celery keeps them
 * in each worker's memory only (unless `--statedb`).
 */

/** One revoked task id and when its revoke lapses. */
export interface Revocation {
  id: string;
  /** Milliseconds since the epoch after which the revoke is forgotten. */
  expiresAt: number;
}

/** Revoke storage of one broker (`Broker.revocations`). */
export interface RevocationStore {
  /** Records revokes of `ids`, each kept until `expiresAt` (ms since the epoch); lapsed ones are trimmed. */
  add(ids: readonly string[], expiresAt: number): Promise<void>;
  /** The revokes not lapsed at `now` (ms since the epoch). */
  list(now: number): Promise<Revocation[]>;
}

/** How long Celery keeps a revoke (`REVOKE_EXPIRES` in celery/worker/state.py): 3 hours, in seconds. */
export const DEFAULT_REVOKE_EXPIRES = 10_800;

/** What the `revoke` command carries (Celery's `task_id` is one id or a list). */
export interface RevokeArguments {
  ids: string[];
  terminate: boolean;
  /** Signal name as Celery writes it (`SIGTERM`, `SIGKILL`, `TERM`…). @default 'SIGTERM' */
  signal: string;
}

/** Reads the arguments of a `revoke` request; ids that are not strings are dropped. */
export function readRevokeArguments(args: Record<string, unknown>): RevokeArguments {
  const raw = args['task_id'];
  const ids = (Array.isArray(raw) ? raw : [raw]).filter((id): id is string => typeof id === 'string' && id.length > 0);
  const signal = typeof args['signal'] === 'string' && args['signal'] !== '' ? args['signal'] : 'SIGTERM';
  return { ids: [...new Set(ids)], terminate: args['terminate'] === true, signal };
}

/** The arguments of a `revoke` request as Celery's `app.control.revoke` sends them. */
export function revokeArguments(ids: readonly string[], options: { terminate?: boolean; signal?: string } = {}): Record<string, unknown> {
  return { task_id: ids.length === 1 ? ids[0] : [...ids], terminate: options.terminate ?? false, signal: options.signal ?? 'SIGTERM' };
}
