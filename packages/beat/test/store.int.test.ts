import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { deleteKeys } from '@celerity/testing';
import { BeatStore, defineSchedule, every } from '../src/index.js';

const redis = new Redis('redis://127.0.0.1:6379/0');
const prefixes: string[] = [];
function store(): BeatStore {
  const prefix = `celerity-test-beat-${randomUUID().slice(0, 8)}:`;
  prefixes.push(prefix);
  return new BeatStore(redis, { prefix });
}
afterAll(async () => {
  for (const prefix of prefixes) await deleteKeys(redis, `${prefix}*`);
  redis.disconnect();
});

describe('BeatStore (Redis)', () => {
  it('one lease holder at a time; each new holder gets a larger token; renew and release need the current token', async () => {
    const s = store();
    const first = await s.acquireLease(200);
    expect(first).toBe(1);
    expect(await s.acquireLease(200)).toBeUndefined();
    expect(await s.renewLease(first!, 200)).toBe(true);
    expect(await s.renewLease(first! + 1, 200)).toBe(false);
    await s.releaseLease(first! + 1);
    expect(await s.acquireLease(200)).toBeUndefined();
    await s.releaseLease(first!);
    const second = await s.acquireLease(50);
    expect(second).toBe(2);
    await new Promise((resolve) => setTimeout(resolve, 120)); // let Redis expire the lease (PX)
    expect(await s.renewLease(second!, 50)).toBe(false);
    expect(await s.acquireLease(10_000)).toBe(3);
  });

  it('claims a tick once, only with the current token, only forward', async () => {
    const s = store();
    const token = (await s.acquireLease(10_000))!;
    expect(await s.claimTick(token, 'tick', 2000)).toBe('claimed');
    expect(await s.claimTick(token, 'tick', 2000)).toBe('already-run');
    expect(await s.claimTick(token, 'tick', 1000)).toBe('already-run');
    expect(await s.claimTick(token - 1, 'tick', 3000)).toBe('not-leader');
    expect(await s.claimTick(token, 'tick', 3000)).toBe('claimed');
    expect((await s.get('tick'))).toBeUndefined(); // claims record state, not entries
  });

  it('a pending tick blocks newer claims until confirmed (the right tick only), or pushed and cleared in one script', async () => {
    const s = store();
    const list = `${prefixes.at(-1)}list`;
    const token = (await s.acquireLease(10_000))!;
    await s.put(defineSchedule({ tick: { task: 't', schedule: every(1) } }));
    expect(await s.claimTick(token, 'tick', 1000, { pending: s.taskId('tick', 1000) })).toBe('claimed');
    expect(await s.claimTick(token, 'tick', 2000, { pending: s.taskId('tick', 2000) })).toBe('pending');
    expect((await s.get('tick'))?.pending).toEqual({ tick: 1000, taskId: s.taskId('tick', 1000) });
    await s.confirmTick('tick', 2000); // not the pending tick: kept
    expect((await s.get('tick'))?.pending?.tick).toBe(1000);
    expect(await s.pushPending(token - 1, 'tick', 1000, { list, raw: 'm1000' })).toBe('not-leader');
    expect(await s.pushPending(token, 'tick', 999, { list, raw: 'm999' })).toBe('already-run');
    expect(await s.pushPending(token, 'tick', 1000, { list, raw: 'm1000' })).toBe('claimed');
    expect((await s.get('tick'))?.pending).toBeUndefined();
    expect(await s.claimTick(token, 'tick', 2000, { pending: 'id-2000' })).toBe('claimed');
    await s.confirmTick('tick', 2000);
    expect(await s.claimTick(token, 'tick', 3000, { push: { list, raw: 'm3000' } })).toBe('claimed');
    expect(await s.claimTick(token, 'tick', 3000, { push: { list, raw: 'm3000' } })).toBe('already-run');
    expect(await s.claimTick(token - 1, 'tick', 4000, { push: { list, raw: 'm4000' } })).toBe('not-leader');
    expect(await redis.lrange(list, 0, -1)).toEqual(['m3000', 'm1000']);
    expect((await s.get('tick'))?.lastRun).toBe(3000);
  });

  it('task ids: a UUID per entry and tick, the same each time, different under another prefix', () => {
    const a = store();
    const b = store();
    expect(a.taskId('tick', 1000)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.taskId('tick', 1000)).toBe(a.taskId('tick', 1000));
    expect(a.taskId('tick', 2000)).not.toBe(a.taskId('tick', 1000));
    expect(b.taskId('tick', 1000)).not.toBe(a.taskId('tick', 1000));
  });

  it('stores entries editable at run time; a code definition keeps enabled state and last run', async () => {
    const s = store();
    await s.put(defineSchedule({ a: { task: 'tasks.a', schedule: every(5) }, b: { task: 'tasks.b', schedule: '0 * * * *' } }));
    expect(await s.setEnabled('a', false)).toBe(true);
    expect(await s.setEnabled('missing', false)).toBe(false);
    const token = (await s.acquireLease(10_000))!;
    await s.claimTick(token, 'a', 5000);
    await s.put(defineSchedule({ a: { task: 'tasks.a2', schedule: every(10) } }));
    const a = await s.get('a');
    expect(a).toMatchObject({ task: 'tasks.a2', schedule: { every: 10 }, enabled: false, lastRun: 5000 });
    expect((await s.list()).map((e) => e.name)).toEqual(['a', 'b']);
    expect(await s.remove('a')).toBe(true);
    expect(await s.remove('a')).toBe(false);
    expect((await s.list()).map((e) => e.name)).toEqual(['b']);
  });

  it('an unreadable stored entry is reported by name and stops no other', async () => {
    const s = store();
    await s.put(defineSchedule({ good: { task: 't', schedule: 1 } }));
    await redis.hset(`${prefixes.at(-1)}entries`, 'bad', '{"task":"t","schedule":{"cron":"nope"}}', 'worse', 'not json');
    const { entries, invalid } = await s.read();
    expect(entries.map((e) => e.name)).toEqual(['good']);
    expect(invalid.map((e) => e.message)).toEqual([expect.stringMatching(/^beat entry 'bad': invalid cron schedule 'nope'/), "beat entry 'worse' in Redis is not JSON"]);
    await expect(s.list()).rejects.toThrow(/beat entry 'bad'/);
  });
});
