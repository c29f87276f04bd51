/**
 * `node dist/round-trip-probe.js [--systems celerity,raw-ioredis,bullmq] [--trips 2000] [--blocks 6] [--monitor 200] [--strace 0]`
 * (from bench/, after `pnpm build:bench`): the round-trip scenario's systems on a Redis of their own,
 * apart from the bench's tables.
 *
 * Each system's worker child (concurrency 10, as the scenario) serves its own queue and its producer
 * is warmed up with `trips` round trips. Then `blocks` rounds go over the systems in turn (the order
 * rotated each round), `trips` round trips per block; each block prints its p50 and the block's p50
 * over the first system's in the same round, and the CPU per round trip of the producer (this
 * process), the worker child and Redis. Last, `--monitor n` runs n more round trips per system with a
 * `MONITOR` connection and prints the commands per round trip, grouped by connection address (the
 * commands scripts ran under `lua`), then Redis's `usec_per_call` per command over the whole run. `--strace n` runs n more round trips per system under strace
 * (producer and worker) and prints their syscalls per round trip (`RT_PROBE_KEEP=1` keeps the traces
 * in /tmp). `RT_PROBE_WORKER_ARGS` gives the worker children's node more flags (e.g. `--cpu-prof`).
 */
import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { monitorRedis } from '@celerity/testing/internal';
import { startRedisServer } from '@celerity/testing/redis';
import { redisCounters } from './redis-stats.js';
import { percentile } from './stats.js';
import type { BenchSystem, Producer } from './system.js';
import { SYSTEMS } from './systems/index.js';
import { startWorkerProcess, type WorkerProcess } from './worker-process.js';

const { values } = parseArgs({
  options: {
    systems: { type: 'string', default: 'celerity,raw-ioredis,bullmq' },
    trips: { type: 'string', default: '2000' },
    blocks: { type: 'string', default: '6' },
    monitor: { type: 'string', default: '200' },
    strace: { type: 'string', default: '0' },
  },
});
const trips = Number(values.trips);
const blocks = Number(values.blocks);
const monitored = Number(values.monitor);
const straced = Number(values.strace);
const chosen = values.systems.split(',').map((name) => {
  const system = SYSTEMS.find((s) => s.name === name);
  if (!system) throw new Error(`unknown system ${name}`);
  return system;
});

interface Contender {
  system: BenchSystem;
  worker: WorkerProcess;
  producer: Producer;
  p50: number[];
}

// CPU of a process in microseconds, user and system (utime, stime from /proc; clock ticks of 10 ms).
async function cpuUs(pid: number): Promise<{ user: number; sys: number }> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) * 10_000, sys: Number(fields[12]) * 10_000 };
}

interface Figures {
  p50: number;
  client: { user: number; sys: number };
  worker: { user: number; sys: number };
  server: number;
}

const cpuText = (cpu: { user: number; sys: number }): string => `${(cpu.user + cpu.sys).toFixed(0)} (${cpu.user.toFixed(0)}+${cpu.sys.toFixed(0)})`;

async function block(c: Contender, redis: Redis, n: number): Promise<Figures> {
  const latencies: number[] = [];
  const client0 = process.cpuUsage();
  const worker0 = await cpuUs(c.worker.pid);
  const server0 = await redisCounters(redis);
  for (let i = 0; i < n; i++) {
    const sent = performance.now();
    const value = await c.producer.roundTrip(i, 1);
    latencies.push(performance.now() - sent);
    if (value !== i + 1) throw new Error(`${c.system.name}: add(${i}, 1) returned ${String(value)}`);
  }
  const client = process.cpuUsage(client0);
  const server1 = await redisCounters(redis);
  const worker1 = await cpuUs(c.worker.pid);
  return {
    p50: percentile(latencies, 50),
    client: { user: client.user / n, sys: client.system / n },
    worker: { user: (worker1.user - worker0.user) / n, sys: (worker1.sys - worker0.sys) / n },
    server: ((server1.cpuSeconds - server0.cpuSeconds) * 1e6) / n,
  };
}

// Commands by connection, from MONITOR (a script's own commands come from `lua`).
async function monitor(url: string, c: Contender, n: number): Promise<void> {
  const m = await monitorRedis(url);
  await new Promise((resolve) => setTimeout(resolve, 100));
  const skip = m.commands.length;
  for (let i = 0; i < n; i++) await c.producer.roundTrip(i, 1);
  await new Promise((resolve) => setTimeout(resolve, 200));
  await m.stop();
  const heard = m.commands.slice(skip);
  const byAddr = new Map<string, Map<string, number>>();
  for (const { source, args } of heard) {
    const cmd = (args[0] ?? '').toUpperCase();
    const counts = byAddr.get(source) ?? new Map<string, number>();
    counts.set(cmd, (counts.get(cmd) ?? 0) + 1);
    byAddr.set(source, counts);
  }
  console.log(`${c.system.name}: ${(heard.length / n).toFixed(2)} commands per round trip (over ${n}), by connection:`);
  for (const [addr, counts] of byAddr) {
    const total = [...counts.values()].reduce((a, b) => a + b, 0);
    if (total < n / 10) continue;
    const list = [...counts].map(([cmd, k]) => `${cmd} ${(k / n).toFixed(2)}`).join(', ');
    console.log(`  ${addr}: ${list}`);
  }
}

// Syscalls of the producer (this process) and the worker child over n round trips, from strace.
async function trace(c: Contender, n: number): Promise<void> {
  const files = { client: `/tmp/rt-strace-client-${c.system.name}`, worker: `/tmp/rt-strace-worker-${c.system.name}` };
  const tracers = Object.entries({ client: process.pid, worker: c.worker.pid }).map(([who, pid]) =>
    spawn('strace', ['-f', '-tt', '-e', 'trace=read,write,writev,readv,epoll_wait,epoll_pwait,futex,recvfrom,sendto', '-o', files[who as 'client' | 'worker'], '-p', String(pid)], { stdio: 'ignore' }),
  );
  await new Promise((resolve) => setTimeout(resolve, 1000));
  for (let i = 0; i < n; i++) await c.producer.roundTrip(i, 1);
  await new Promise((resolve) => setTimeout(resolve, 200));
  for (const t of tracers) t.kill('SIGINT');
  await new Promise((resolve) => setTimeout(resolve, 500));
  for (const [who, file] of Object.entries(files)) {
    const counts = new Map<string, number>();
    for (const line of (await readFile(file, 'utf8')).split('\n')) {
      const call = /^\d+\s+[\d:.]+\s+(\w+)\(/.exec(line)?.[1];
      if (call === undefined) continue;
      counts.set(call, (counts.get(call) ?? 0) + 1);
    }
    console.log(`${c.system.name} ${who}: syscalls per round trip: ${[...counts].map(([k, v]) => `${k} ${(v / n).toFixed(2)}`).join(', ')}`);
    if (process.env['RT_PROBE_KEEP'] === undefined) await rm(file);
  }
}

await using server = await startRedisServer();
const redis = new Redis(server.url);
const contenders: Contender[] = [];
console.log(`round-trip probe: ${chosen.map((s) => s.name).join(', ')}; ${trips} round trips a block, ${blocks} rounds; Redis ${server.version}; load ${(await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ')}`);
try {
  for (const system of chosen) {
    const worker = await startWorkerProcess(system.workerModule, (process.env['RT_PROBE_WORKER_ARGS'] ?? '').split(' ').filter(Boolean));
    const queue = `probe-rt-${system.name}`;
    await worker.serve({ redisUrl: server.url, queue, concurrency: 10 });
    const producer = await system.openProducer({ redisUrl: server.url, queue });
    const c: Contender = { system, worker, producer, p50: [] };
    contenders.push(c);
    await block(c, redis, trips);
  }
  for (let round = 0; round < blocks; round++) {
    const figures = new Map<Contender, Figures>();
    for (let k = 0; k < contenders.length; k++) {
      const c = contenders[(k + round) % contenders.length]!;
      figures.set(c, await block(c, redis, trips));
    }
    const base = figures.get(contenders[0]!)!.p50;
    const row = contenders.map((c) => {
      const f = figures.get(c)!;
      c.p50.push(f.p50);
      return `${c.system.name} p50 ${f.p50.toFixed(3)} ms (${(f.p50 / base).toFixed(2)}x) cpu µs/rt (user+sys) client ${cpuText(f.client)} worker ${cpuText(f.worker)} redis ${f.server.toFixed(0)}`;
    });
    console.log(`round ${round + 1}: ${row.join(' | ')}`);
  }
  const med = (xs: number[]): number => percentile(xs, 50);
  console.log(`median of block p50s: ${contenders.map((c) => `${c.system.name} ${med(c.p50).toFixed(3)} ms`).join(', ')}`);
  if (monitored > 0) for (const c of contenders) await monitor(server.url, c, monitored);
  // Redis's own time per command over everything above (all systems), from INFO commandstats.
  const stats = (await redis.info('commandstats')).split('\n').filter((l) => l.startsWith('cmdstat_'));
  console.log(`redis commandstats (usec_per_call): ${stats.map((l) => `${/cmdstat_(\w+)/.exec(l)?.[1]} ${/usec_per_call=([\d.]+)/.exec(l)?.[1]}`).join(', ')}`);
  if (straced > 0) for (const c of contenders) await trace(c, straced);
} finally {
  for (const c of contenders) {
    await c.producer.close().catch(() => undefined);
    await c.worker.stopServing().catch(() => undefined);
    await c.worker.close().catch(() => undefined);
  }
  redis.disconnect();
}
