/** The memory broker's revoke storage: a map in the hub, shared by brokers of the same name. */
import type { Revocation, RevocationStore } from '../control/revocations.js';

/** A {@link RevocationStore} over a map of id → expiry (ms), trimmed on each call. */
export function createMemoryRevocations(entries: Map<string, number>): RevocationStore {
  const trim = (now: number): void => {
    for (const [id, expiresAt] of entries) if (expiresAt <= now) entries.delete(id);
  };
  return {
    async add(ids, expiresAt) {
      for (const id of ids) entries.set(id, Math.max(expiresAt, entries.get(id) ?? 0));
    },
    async list(now) {
      trim(now);
      const out: Revocation[] = [];
      for (const [id, expiresAt] of entries) out.push({ id, expiresAt });
      return out;
    },
  };
}
