/**
 * The proof of issue 16: three `celerity beat` processes on a 1-second schedule for 30 s (Redis
 * broker and store: each tick claimed and queued in one script), the leader killed with SIGKILL twice; the ticks counted from the queue: no second sent twice, no gap
 * longer than the lease. Takeover times (kill to a new lease holder) are printed.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, expect, it } from 'vitest';
import { deleteKeys, waitFor } from '@celerity/testing';
import { celerity, spawnCelerity } from './cli-process.js';

const REDIS_URL = 'redis://127.0.0.1:6379/0';
const redis = new Redis(REDIS_URL);
const id = randomUUID().slice(0, 8);
const prefix = `celerity-test-beat-${id}:`;
const queue = `celerity-test-beat-q-${id}`;
const LEASE_S = 2;
const RUN_MS = 30_000;
const KILL_AT_MS = [9_000, 19_000];
type Beat = ReturnType<typeof spawnCelerity>;

afterAll(async () => {
  await deleteKeys(redis, `${prefix}*`);
  await redis.del(queue);
  redis.disconnect();
});

/** The ticks (epoch ms) of the beat messages waiting in the queue, oldest first. */
async function queuedTicks(): Promise<number[]> {
  const raw = await redis.lrange(queue, 0, -1);
  return raw.map((m) => Date.parse((JSON.parse(m) as { headers: { beat_tick: string } }).headers.beat_tick)).sort((a, b) => a - b);
}

/** The token a process logged on becoming leader, or undefined. */
function tokenOf(beat: Beat): number | undefined {
  const tokens = [...beat.output().matchAll(/"msg":"beat: leading"[^\n]*"token":(\d+)/g)].map((m) => Number(m[1]));
  return tokens.at(-1);
}

it(
  'three beat processes, leader SIGKILLed twice: every second sent once, no gap longer than the lease',
  async () => {
    const common = ['-b', REDIS_URL, '--prefix', prefix];
    const added = await celerity(['beat', 'add', 'tick', '--task', 'tasks.tick', '--every', '1', '--queue', queue, ...common]);
    expect(added.stderr).toBe('');
    const args = ['beat', ...common, '--lease', String(LEASE_S), '--poll', '0.2', '--log-format', 'json'];
    const beats: Beat[] = [0, 1, 2].map(() => spawnCelerity(args));
    const killed: Beat[] = [];
    const takeovers: number[] = [];
    try {
      // Three processes start under tsx: seconds each on a loaded machine.
      await waitFor(async () => (await redis.llen(queue)) > 0, { timeout: 60_000 });
      const start = Date.now();
      for (const at of KILL_AT_MS) {
        await new Promise((resolve) => setTimeout(resolve, start + at - Date.now()));
        const token = Number(await redis.get(`${prefix}lease`));
        const leader = beats.find((b) => !killed.includes(b) && tokenOf(b) === token);
        expect(leader, `a live process logged token ${token}`).toBeDefined();
        const killedAt = Date.now();
        leader!.kill('SIGKILL');
        killed.push(leader!);
        // Taken over when another process holds the lease with a newer token.
        await waitFor(async () => Number(await redis.get(`${prefix}lease`)) > token, { timeout: (LEASE_S + 5) * 1000, interval: 20 });
        takeovers.push(Date.now() - killedAt);
      }
      await new Promise((resolve) => setTimeout(resolve, start + RUN_MS - Date.now()));
    } finally {
      for (const b of beats) if (!killed.includes(b)) b.kill('SIGTERM');
      await Promise.all(beats.map((b) => new Promise((resolve) => (b.exitCode !== null || b.signalCode !== null ? resolve(null) : b.once('close', resolve)))));
    }
    const ticks = await queuedTicks();
    const gaps = ticks.slice(1).map((t, i) => t - ticks[i]!);
    console.log(`beat HA: ${ticks.length} ticks, takeover after SIGKILL: ${takeovers.map((ms) => `${ms} ms`).join(', ')} (lease ${LEASE_S} s), largest gap ${Math.max(...gaps)} ms`);
    expect(ticks.length).toBeGreaterThanOrEqual(RUN_MS / 1000);
    expect(new Set(ticks).size).toBe(ticks.length); // no second sent twice
    expect(ticks.every((t) => t % 1000 === 0)).toBe(true);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(LEASE_S * 1000); // no gap longer than the lease
    expect(killed).toHaveLength(2);
    // The broker is the store's Redis: every process claimed and queued each tick in one script.
    for (const b of beats) expect(b.output()).toContain('"delivery":"push"');
    // The survivors stopped on SIGTERM gave the lease up.
    expect(await redis.exists(`${prefix}lease`)).toBe(0);
  },
  150_000,
);
