/**
 * Beat takeover: three `celerity beat` processes (the command a user runs, spawned) on the bench's
 * Redis with a 1 s entry; the leader is SIGKILLed a few times and the time until another process
 * holds the lease with a newer token is measured. The ticks in the queue are counted afterwards.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ScenarioContext } from '../scenarios/context.js';
import { summarize } from '../stats.js';
import type { BeatResults } from './results.js';

const LEASE_MS = 1000;
const POLL_MS = 100;
const PROCESSES = 3;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The `celerity` entry point, from source or built as the bench runs (node keeps tsx's flags in execArgv). */
function celerityArgs(args: readonly string[]): string[] {
  const cli = fileURLToPath(import.meta.resolve('@celerity/worker/cli'));
  return [...process.execArgv.filter((a) => !a.startsWith('--cpu-prof')), cli, ...args];
}

function run(args: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, celerityArgs(args), { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`celerity ${args.join(' ')}: exit ${code}: ${stderr}`))));
  });
}

export async function runBeatTakeover(ctx: ScenarioContext): Promise<BeatResults> {
  const kills = ctx.config.mode === 'quick' ? 2 : 5;
  const prefix = `bench-beat-${Date.now().toString(36)}:`;
  const queue = `${prefix}ticks`;
  const results: BeatResults = { leaseMs: LEASE_MS, pollMs: POLL_MS, processes: PROCESSES, takeoversMs: [], takeover: undefined, delivery: 'unknown', ticks: 0, duplicates: 0, lost: 0, largestGapMs: 0, errors: [] };
  const common = ['-b', ctx.target.redisUrl, '--prefix', prefix];
  const beats: Array<{ child: ChildProcess; output: string }> = [];
  try {
    await run(['beat', 'add', 'tick', '--task', 'bench.tick', '--every', '1', '--queue', queue, ...common]);
    for (let i = 0; i < PROCESSES; i++) {
      const child = spawn(process.execPath, celerityArgs(['beat', ...common, '--lease', String(LEASE_MS / 1000), '--poll', String(POLL_MS / 1000), '--log-format', 'json']), { stdio: ['ignore', 'ignore', 'pipe'] });
      const beat = { child, output: '' };
      child.stderr!.on('data', (d: Buffer) => (beat.output += d.toString()));
      beats.push(beat);
    }
    const live = (): typeof beats => beats.filter((b) => b.child.exitCode === null && b.child.signalCode === null);
    // Start-up takes seconds on a loaded machine: wait for a leader's first tick before the first kill.
    const started = performance.now() + 60_000;
    while ((await ctx.redis.llen(queue)) === 0) {
      if (performance.now() > started) throw new Error('no tick within 60 s of starting the beat processes');
      await sleep(50);
    }
    for (let k = 0; k < kills; k++) {
      // Let the schedule run a little between kills.
      await sleep(2500);
      const token = Number(await ctx.redis.get(`${prefix}lease`));
      const leader = live().find((b) => [...b.output.matchAll(/"msg":"beat: leading"[^\n]*"token":(\d+)/g)].at(-1)?.[1] === String(token));
      if (leader === undefined) throw new Error(`no live process logged the lease's token ${token}`);
      const killedAt = performance.now();
      leader.child.kill('SIGKILL');
      // A replacement when it is needed: keep three processes.
      const deadline = killedAt + LEASE_MS * 10;
      while (Number(await ctx.redis.get(`${prefix}lease`)) <= token) {
        if (performance.now() > deadline) throw new Error(`no takeover within ${LEASE_MS * 10} ms`);
        await sleep(5);
      }
      results.takeoversMs.push(Math.round(performance.now() - killedAt));
      const child = spawn(process.execPath, celerityArgs(['beat', ...common, '--lease', String(LEASE_MS / 1000), '--poll', String(POLL_MS / 1000), '--log-format', 'json']), { stdio: ['ignore', 'ignore', 'pipe'] });
      const beat = { child, output: '' };
      child.stderr!.on('data', (d: Buffer) => (beat.output += d.toString()));
      beats.push(beat);
    }
    await sleep(2000);
  } catch (error) {
    results.errors.push({ what: 'takeover', message: error instanceof Error ? error.message : String(error) });
  } finally {
    for (const b of beats) if (b.child.exitCode === null && b.child.signalCode === null) b.child.kill('SIGTERM');
    await Promise.all(beats.map((b) => (b.child.exitCode !== null || b.child.signalCode !== null ? undefined : new Promise((resolve) => b.child.once('close', resolve)))));
  }
  const raw = await ctx.redis.lrange(queue, 0, -1);
  const ticks = raw.map((m) => Date.parse((JSON.parse(m) as { headers: { beat_tick: string } }).headers.beat_tick)).sort((a, b) => a - b);
  results.ticks = ticks.length;
  results.duplicates = ticks.length - new Set(ticks).size;
  results.lost = ticks.length === 0 ? 0 : (ticks.at(-1)! - ticks[0]!) / 1000 + 1 - new Set(ticks).size;
  const modes = new Set(beats.flatMap((b) => [...b.output.matchAll(/"delivery":"(\w+)"/g)].map((m) => m[1]!)));
  results.delivery = [...modes].join(', ') || 'unknown';
  results.largestGapMs = ticks.slice(1).reduce((gap, t, i) => Math.max(gap, t - ticks[i]!), 0);
  results.takeover = results.takeoversMs.length === 0 ? undefined : summarize(results.takeoversMs);
  const keys = await ctx.redis.keys(`${prefix}*`);
  if (keys.length > 0) await ctx.redis.del(...keys);
  ctx.log(`  beat: takeover ${results.takeoversMs.join(', ')} ms (lease ${LEASE_MS} ms), ${results.ticks} ticks, ${results.duplicates} twice, ${results.lost} lost (delivery ${results.delivery}), largest gap ${results.largestGapMs} ms`);
  return results;
}
