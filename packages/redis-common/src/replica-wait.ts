/**
 * Opt-in durable writes: Redis replicates asynchronously, so a write the primary acknowledged can
 * be lost if the primary dies before a replica has it and Sentinel promotes that replica. `WAIT
 * numreplicas timeout` blocks until that many replicas acknowledged every write made on the same
 * connection so far. It must travel on the socket the write went on: a WAIT sent or resent (ioredis
 * resends unanswered commands after a reconnect) on a new socket counts none of the old socket's
 * writes and would answer "all replicas" at once, just when a failover may have lost the write.
 * So callers send it right behind the write (same tick, or in the continuation of the write's
 * reply, before any I/O), and an answer that came back on another socket is taken as a failure.
 *
 * `WAIT` says the replicas received the write (in memory), not that they wrote it to disk; that is
 * `WAITAOF` (Redis ≥ 7.2), which this does not send. A rejected wait does not undo the write.
 */
import { CelerityError, ConfigurationError } from '@celerity/core';
import type { Redis } from 'ioredis';

/** How many replicas a write must reach, and how long to wait for them. */
export interface ReplicaWaitOptions {
  /** Replicas that must acknowledge the write (≥ 1). */
  replicas: number;
  /** Milliseconds to wait for them (≥ 1; `WAIT`'s 0 would mean forever). */
  timeout: number;
}

/**
 * Fewer replicas than required acknowledged a write within the timeout. The write itself was made
 * on the primary and is not undone: it may or may not survive a failover. Not retryable (sending
 * the same message again would duplicate it when the first copy survives).
 */
export class ReplicaWaitError extends CelerityError {
  /** Replicas the option asked for. */
  readonly required: number;
  /** Replicas that acknowledged in time (the `WAIT` reply). */
  readonly acknowledged: number;
  constructor(what: string, required: number, acknowledged: number) {
    super('REPLICA_WAIT', `${what}: ${acknowledged} of ${required} required replica(s) acknowledged the write in time; it may be lost in a failover`);
    this.required = required;
    this.acknowledged = acknowledged;
  }
}

/**
 * Checks a replica-wait setting; undefined when the option is off (`replicas` unset or 0).
 * @throws ConfigurationError for a negative or fractional count or a timeout that is not ≥ 1 ms.
 * @example
 * replicaWaitOptions('Redis broker', 1, undefined); // { replicas: 1, timeout: 1000 }
 */
export function replicaWaitOptions(who: string, replicas: number | undefined, timeout: number | undefined): ReplicaWaitOptions | undefined {
  if (replicas !== undefined && (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0)) {
    throw new ConfigurationError(`${who} option waitReplicas must be a whole number of replicas, got ${String(replicas)}`);
  }
  if (timeout !== undefined && (typeof timeout !== 'number' || !Number.isInteger(timeout) || timeout < 1)) {
    throw new ConfigurationError(`${who} option waitReplicasTimeout must be a whole number of milliseconds ≥ 1, got ${String(timeout)}`);
  }
  if (replicas === undefined || replicas === 0) return undefined;
  return { replicas, timeout: timeout ?? 1000 };
}

/**
 * Sends `WAIT` on `client` now (right after the write it guards; see the module comment) and
 * resolves when enough replicas acknowledged; rejects with {@link ReplicaWaitError} otherwise,
 * including when the answer came on another socket than the one current when it was sent.
 * Driver errors reject as they are, for the caller's own mapping.
 * @example
 * const pushed = client.lpush(key, raw);
 * await Promise.all([pushed, waitForReplicas(client, { replicas: 1, timeout: 500 }, 'Redis broker: publish')]);
 */
export async function waitForReplicas(client: Redis, options: ReplicaWaitOptions, what: string): Promise<void> {
  const socket = client.status === 'ready' ? client.stream : undefined;
  const acknowledged = await client.wait(options.replicas, options.timeout);
  if (socket === undefined || client.stream !== socket) throw new ReplicaWaitError(what, options.replicas, 0);
  if (acknowledged < options.replicas) throw new ReplicaWaitError(what, options.replicas, acknowledged);
}
