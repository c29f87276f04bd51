/**
 * What a revoke does in this worker: the ids join the revoked set (and the broker's durable store),
 * held ETA tasks with those ids are dropped at once and recorded as REVOKED, and with `terminate`
 * running ones are terminated. Jobs waiting for a slot, due later or received later are checked
 * against the set by {@link Revocation.skip}.
 */
import type { Broker, Logger, RevokeArguments } from '@celerity/core';
import type { Job } from './delivery-pipeline.js';
import type { EtaScheduler } from './eta-scheduler.js';
import type { ExecutionContext } from './execution-context.js';
import { completeChordPart } from './followups.js';
import { rejectUnrunnable } from './reject.js';
import type { RevokedSet } from './revoked-set.js';
import type { RunningTasks } from './running-tasks.js';

/** Options of {@link createRevocation}. */
export interface RevocationOptions {
  revoked: RevokedSet;
  running: RunningTasks;
  scheduler: EtaScheduler<Job>;
  broker: Broker;
  ctx: ExecutionContext;
  /** Milliseconds a revoke is kept. */
  expires: number;
  logger: Logger;
  /** Called when a job leaves without running. */
  left(): void;
}

/** The worker's revoke handling. */
export interface Revocation {
  /** Applies a revoke heard from the control exchange; returns Celery's reply. */
  revoke(revoke: RevokeArguments): Promise<{ ok: string }>;
  /** Loads the broker's durable revokes (at start). */
  load(): Promise<void>;
  /** True (and the job recorded as REVOKED, acked) when the job's task was revoked. */
  skip(job: Job): boolean;
}

/** Python's repr of a set of strings, as Celery's reply text shows it. */
function pythonSet(ids: readonly string[]): string {
  return `{${ids.map((id) => `'${id}'`).join(', ')}}`;
}

/** @example const revocation = createRevocation({ revoked, running, scheduler, broker, ctx, expires: 10_800_000, logger, left }); */
export function createRevocation(options: RevocationOptions): Revocation {
  const { revoked, running, scheduler, broker, ctx, expires, logger, left } = options;

  const discard = (job: Job): void => {
    const { message, delivery } = job;
    void rejectUnrunnable(delivery, message, 'revoked', ctx)
      .then(() => (message.embed.chord === null ? undefined : completeChordPart(message, 'REVOKED', { exc_type: 'TaskRevokedError', exc_message: ['revoked'], exc_module: 'celery.exceptions' }, ctx)))
      .catch((error: unknown) => logger.error(`Recording the revoke of ${message.id} failed: ${(error as Error).message}`, { error }))
      .finally(left);
  };

  return {
    async revoke({ ids, terminate, signal }) {
      const expiresAt = ctx.clock.now() + expires;
      revoked.add(ids, expiresAt);
      const wanted = new Set(ids);
      for (const job of scheduler.drop((held) => wanted.has(held.message.id))) discard(job);
      const terminated: string[] = [];
      if (terminate) {
        for (const id of ids) {
          const task = running.get(id);
          if (task === undefined) continue;
          task.terminate(signal);
          terminated.push(id);
        }
      } else logger.info(`Tasks flagged as revoked: ${ids.join(', ')}`);
      // Kept for workers that start later; a store that cannot be reached must not stop the revoke here.
      if (broker.revocations) await broker.revocations.add(ids, expiresAt).catch((error: unknown) => logger.warn(`Could not store the revoke of ${ids.join(', ')}: ${(error as Error).message}`, { error }));
      if (!terminate) return { ok: `tasks ${pythonSet(ids)} flagged as revoked` };
      return { ok: terminated.length === 0 ? 'terminate: tasks unknown' : `terminate: ${terminated.join(', ')}` };
    },
    async load() {
      if (!broker.revocations) return;
      const now = ctx.clock.now();
      const entries = await broker.revocations.list(now);
      for (const { id, expiresAt } of entries) revoked.add([id], expiresAt);
      if (entries.length > 0) logger.info(`Loaded ${entries.length} revoked task id(s) from the broker`);
    },
    skip(job) {
      if (revoked.size === 0 || !revoked.has(job.message.id)) return false;
      discard(job);
      return true;
    },
  };
}
