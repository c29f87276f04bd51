/**
 * The dead-letter capability of a broker: where messages go that must not be delivered again —
 * items that are not messages at all, and task messages whose deliveries kept ending without an
 * outcome — kept per source queue so an operator can list, inspect, replay or purge them.
 * Why a message is there travels in its own headers (`celerity_dead_*`), so every broker stores a
 * dead letter as an ordinary message and the helpers below read and write that part once.
 */
import { createHash } from 'node:crypto';
import type { Envelope } from './broker.js';

/** Why a message was dead-lettered: built-in reasons, or any other string. */
export type DeadLetterReason = 'max-deliveries' | 'malformed' | (string & {});

/** What {@link DeadLetterQueue.add} records next to the message. */
export interface DeadLetterInfo {
  reason: DeadLetterReason;
  /** Deliveries of the message that ended without an outcome. */
  deliveries?: number;
  /** The last error seen, when one is known. */
  error?: string;
  /** When it was set aside. @default now */
  at?: Date;
}

/** One entry of a dead-letter queue, as listed. */
export interface DeadLetter {
  /** The task id (`headers.id`) when the entry has one, else an id derived from the entry's bytes. */
  id: string;
  /** The queue it came from, and where a replay sends it. */
  queue: string;
  reason: DeadLetterReason;
  /** When it was set aside; null when not recorded (items set aside before this was written). */
  deadAt: Date | null;
  deliveries: number | null;
  error: string | null;
  /** The task name (`headers.task`), when it is a task message. */
  task: string | null;
  /** The message as stored (with its `celerity_dead_*` headers); null when the item is not a message. */
  envelope: Envelope | null;
  /** The raw item when it is not a message (what a replay cannot send). */
  raw: Uint8Array | null;
}

/** Which entries {@link DeadLetterQueue.replay} sends back. */
export type DeadLetterSelection = { id: string } | { all: true };

/** Options of {@link DeadLetterQueue.replay}. */
export interface DeadLetterReplayOptions {
  /** Called after each entry is sent back, with how many have been so far (for a progress bar). */
  onReplayed?: (replayed: number) => void;
}

/**
 * Dead-letter storage of one broker, one dead-letter queue per source queue. Listing never consumes:
 * entries stay until replayed or purged.
 */
export interface DeadLetterQueue {
  /** Sets a message aside for `queue` with the reason headers added. */
  add(queue: string, envelope: Envelope, info: DeadLetterInfo): Promise<void>;
  /** How many entries the dead-letter queue of `queue` holds. */
  count(queue: string): Promise<number>;
  /** The entries, oldest first; at most `limit` of them. */
  list(queue: string, options?: { limit?: number }): Promise<DeadLetter[]>;
  /** The oldest entry with that id, if any. */
  get(queue: string, id: string): Promise<DeadLetter | undefined>;
  /**
   * Sends entries back to `queue` with their delivery count and dead-letter headers removed, and
   * removes them: the oldest entry with the id, or every entry that is a message. Returns how many.
   */
  replay(queue: string, selection: DeadLetterSelection, options?: DeadLetterReplayOptions): Promise<number>;
  /** Deletes every entry; returns how many. */
  purge(queue: string): Promise<number>;
}

/** Header with the number of the delivery a message copy starts at (absent = 1). */
export const DELIVERIES_HEADER = 'celerity_deliveries';
/** Header with the last error a delivery of the message ended with, carried by the copy that counts it. */
export const LAST_ERROR_HEADER = 'celerity_last_error';
const REASON = 'celerity_dead_reason';
const AT = 'celerity_dead_at';
const QUEUE = 'celerity_dead_queue';
const ERROR = 'celerity_dead_error';
/** Headers a replay removes: ours, and the transports' redelivery marks. */
const TRANSIENT_HEADERS = [DELIVERIES_HEADER, LAST_ERROR_HEADER, REASON, AT, QUEUE, ERROR, 'redelivered', 'x-delivery-count'];

/** The headers that record a dead letter's reason, to merge into the message's own. */
export function deadLetterHeaders(queue: string, info: DeadLetterInfo): Record<string, unknown> {
  const headers: Record<string, unknown> = { [REASON]: info.reason, [AT]: (info.at ?? new Date()).toISOString(), [QUEUE]: queue };
  if (info.deliveries !== undefined) headers[DELIVERIES_HEADER] = info.deliveries;
  if (info.error !== undefined) headers[ERROR] = info.error;
  return headers;
}

/** A copy of `envelope` carrying the dead-letter headers. */
export function markDeadLetter(envelope: Envelope, queue: string, info: DeadLetterInfo): Envelope {
  return { ...envelope, headers: { ...envelope.headers, ...deadLetterHeaders(queue, info) } };
}

/** A copy of a dead letter's envelope as a replay sends it: a fresh first delivery. */
export function replayEnvelope(envelope: Envelope): Envelope {
  const headers = { ...envelope.headers };
  for (const name of TRANSIENT_HEADERS) delete headers[name];
  return { ...envelope, headers };
}

/** A stable id for an entry without a task id: the start of the SHA-1 of its bytes. */
export function entryIdOf(bytes: Uint8Array | string): string {
  return `entry-${createHash('sha1').update(bytes).digest('hex').slice(0, 16)}`;
}

/**
 * Reads a stored entry back. `headers` are the entry's own (for items that are not messages, the
 * headers the broker could still read, if any); `bytes` identify it when it has no task id.
 */
export function readDeadLetter(
  queue: string,
  entry: { envelope: Envelope | null; headers?: Record<string, unknown>; raw?: Uint8Array | null; bytes: Uint8Array | string; defaultReason?: DeadLetterReason },
): DeadLetter {
  const headers = entry.envelope?.headers ?? entry.headers ?? {};
  const text = (name: string): string | null => (typeof headers[name] === 'string' ? (headers[name] as string) : null);
  const number = (name: string): number | null => {
    const value = headers[name];
    const n = typeof value === 'bigint' ? Number(value) : value;
    return typeof n === 'number' && Number.isFinite(n) ? n : null;
  };
  const at = text(AT);
  const deadAt = at === null ? null : new Date(at);
  const taskId = text('id');
  return {
    id: taskId !== null && taskId !== '' ? taskId : entryIdOf(entry.bytes),
    queue,
    reason: text(REASON) ?? entry.defaultReason ?? (entry.envelope === null ? 'malformed' : 'set-aside'),
    deadAt: deadAt !== null && !Number.isNaN(deadAt.getTime()) ? deadAt : null,
    deliveries: number(DELIVERIES_HEADER),
    error: text(ERROR),
    task: text('task'),
    envelope: entry.envelope,
    raw: entry.envelope === null ? (entry.raw ?? (typeof entry.bytes === 'string' ? new TextEncoder().encode(entry.bytes) : entry.bytes)) : null,
  };
}
