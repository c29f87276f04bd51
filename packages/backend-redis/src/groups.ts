/**
 * Group and chord keys, written with the commands Celery uses (spec §5.1 and §9):
 * `celery-taskset-meta-<gid>` via `MULTI; SETEX; PUBLISH; EXEC`, the chord size `.s` the same way,
 * and each finished header task via the chord-part script (Celery's `ZADD .j; ZCOUNT .j; GET .t;
 * GET .s; EXPIRE ×3` transaction, plus a check that a part run twice is counted once).
 */
import { DecodeError } from '@celerity/core';
import type { ChordPart, ChordProgress } from '@celerity/core';
import type { RedisClient } from '@celerity/redis-common/internal';
import { runScript } from '@celerity/redis-common/internal';
import type { KeySpace } from './keys.js';
import { fromChordEntry, fromGroupMeta, toChordEntry, toGroupMeta } from './meta.js';
import { CHORD_PART_SCRIPT } from './scripts.js';

/** What the group / chord operations need from the backend. */
export interface GroupStoreContext {
  readonly command: RedisClient;
  readonly keys: KeySpace;
  /** TTL in seconds; 0 = keys do not expire. */
  readonly ttl: number;
  encode(value: unknown): Buffer;
  decode(bytes: Uint8Array): unknown;
}

type ExecResult = [error: Error | null, result: unknown][] | null;

function results(reply: ExecResult, what: string): unknown[] {
  if (!reply) throw new Error(`${what}: transaction aborted`);
  return reply.map(([error, value]) => {
    if (error) throw error;
    return value;
  });
}

/** Celery's `KeyValueStoreBackend.set`: the value is stored and published in one transaction. */
export async function setAndPublish(ctx: GroupStoreContext, key: string, value: Buffer | string): Promise<void> {
  const tx = ctx.command.multi();
  if (ctx.ttl > 0) tx.setex(key, ctx.ttl, value);
  else tx.set(key, value);
  tx.publish(key, value);
  results((await tx.exec()) as ExecResult, 'set');
}

/** `GroupResult.save()`: the member ids as result tuples, stored and published. */
export function saveGroup(ctx: GroupStoreContext, groupId: string, taskIds: readonly string[]): Promise<void> {
  return setAndPublish(ctx, ctx.keys.group(groupId), ctx.encode(toGroupMeta(groupId, taskIds)));
}

/** The member ids of a saved group (whoever saved it), or null. */
export async function getGroup(ctx: GroupStoreContext, groupId: string): Promise<string[] | null> {
  const bytes = await ctx.command.getBuffer(ctx.keys.group(groupId));
  return bytes ? fromGroupMeta(ctx.decode(bytes), groupId) : null;
}

/** Celery's `set_chord_size`: the size is written as a plain integer, not serialized. */
export function chordInit(ctx: GroupStoreContext, groupId: string, size: number): Promise<void> {
  return setAndPublish(ctx, ctx.keys.chord(groupId, '.s'), String(Math.trunc(size)));
}

function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  const text = Buffer.isBuffer(value) ? value.toString() : String(value);
  if (/^[+]?inf$/i.test(text)) return Infinity;
  if (/^-inf$/i.test(text)) return -Infinity;
  return Number(text);
}

/** `ZRANGE … WITHSCORES` comes flat (`[m, s, m, s]`, RESP2 / legacy mapping) or as pairs (RESP3 mapping). */
function memberScorePairs(reply: unknown): [Buffer, number][] {
  if (!Array.isArray(reply)) return [];
  if (reply.every((item) => Array.isArray(item))) return reply.map((pair: unknown[]) => [pair[0] as Buffer, toNumber(pair[1])]);
  const pairs: [Buffer, number][] = [];
  for (let i = 0; i + 1 < reply.length; i += 2) pairs.push([reply[i] as Buffer, toNumber(reply[i + 1])]);
  return pairs;
}

/**
 * The bytes every `.j` entry of this task starts with: the entry up to its id and one byte more
 * (JSON's closing quote, or msgpack's next header), so that an id that is a prefix of another id
 * does not match it. Undefined when the encoded entry does not contain the id as written.
 */
function entryPrefix(entry: Buffer, taskId: string): Buffer | undefined {
  const id = Buffer.from(taskId);
  const at = entry.indexOf(id);
  return at < 0 ? undefined : entry.subarray(0, at + id.length + 1);
}

/**
 * Records one finished header task. The count is read in the same script as the ZADD, so of
 * concurrent callers only the one whose entry made `ZCOUNT == .s + .t` sees it complete. A header
 * task run twice (redelivered, or run by a worker that lost its lease) is counted once: its second
 * entry is not added when one of its own is already there (CHORD_PART_SCRIPT), whatever it returned
 * the second time. The complete caller reads the entries (score order) and deletes `.j`, `.t`, `.s`
 * atomically.
 */
export async function chordPartReturn(ctx: GroupStoreContext, groupId: string, part: ChordPart): Promise<ChordProgress> {
  const jKey = ctx.keys.chord(groupId, '.j');
  const tKey = ctx.keys.chord(groupId, '.t');
  const sKey = ctx.keys.chord(groupId, '.s');
  const score = Number.isFinite(part.index) ? String(part.index) : '+inf';
  const entry = ctx.encode(toChordEntry(part));
  // A serializer that does not write the id as is (none of ours): compare whole entries, as ZADD does.
  const prefix = entryPrefix(entry, part.taskId) ?? entry;
  const reply = await runScript(ctx.command, CHORD_PART_SCRIPT, [jKey, tKey, sKey], [score, entry, prefix, ctx.ttl]);
  const [added, count, extra, size] = Array.isArray(reply) ? (reply as unknown[]) : [];
  if (size === null || size === undefined) return { complete: false };
  const total = toNumber(size) + (extra === null || extra === undefined ? 0 : toNumber(extra));
  if (toNumber(added) !== 1 || toNumber(count) !== total) return { complete: false };

  const done = ctx.command.multi().zrangeBuffer(jKey, 0, '-1', 'WITHSCORES').del(jKey).del(tKey).del(sKey);
  const [range] = results((await done.exec()) as ExecResult, 'chordPartReturn');
  const parts = memberScorePairs(range).map(([member, entryScore], position) => {
    let entry: unknown;
    try {
      entry = ctx.decode(member);
    } catch (err) {
      throw new DecodeError(`Chord ${groupId} has an undecodable entry`, { cause: err });
    }
    return fromChordEntry(entry, Number.isFinite(entryScore) ? entryScore : position, groupId);
  });
  return { complete: true, parts };
}
