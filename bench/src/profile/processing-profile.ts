/**
 * `node dist/profile/processing-profile.js [--tasks 5000] [--warmup <tasks>] [--concurrency 1,100] [--callgrind] [--cpu-prof] [--strace] [--node-flags='<flags>']`
 * (from bench/, after `pnpm build:bench`): the processing scenario's worker (workers/celerity.ts,
 * defaults, results kept) per task, apart from the bench's tables. On a Redis of its own (started
 * here), for each concurrency, the worker runs an untimed warm-up of `warmup` `add(i, i)` tasks
 * (default: as many as measured) and then a measured run of `tasks`; each measured run prints its
 * time and the worker's and Redis's CPU per task.
 *
 * With `--callgrind` the worker runs under `valgrind --tool=callgrind` with instrumentation switched
 * on for the measured run only (`callgrind_control -i on` / `off`), and the script prints
 * instructions per task of the worker's main thread (also without its event-loop delay histogram,
 * whose per-second work grows with valgrind's slowdown) and of all its threads. The callgrind files
 * stay in results/profiles/ (`callgrind_annotate --inclusive=yes <file>`); `--cpu-prof` writes the
 * worker's CPU profiles there. `--strace` runs the worker under `strace -c -f` and leaves its system
 * call counts (the whole process, warm-up and start included) in results/profiles/strace.process-c<N>;
 * `--node-flags` gives the worker's node more flags (e.g. `--perf-basic-prof`, whose map in /tmp names
 * the JIT code callgrind lists by address).
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { Redis } from 'ioredis';
import { startRedisServer } from '@celerity/testing/redis';
import { fillAdds } from '../events/scenario.js';
import { flush, redisCounters } from '../redis-stats.js';
import { startWorkerProcess, type WorkerLauncher } from '../worker-process.js';
import { callgrindInstructions } from './callgrind.js';

const run = promisify(execFile);
const { values } = parseArgs({
  options: {
    tasks: { type: 'string', default: '5000' },
    warmup: { type: 'string' },
    concurrency: { type: 'string', default: '1,100' },
    callgrind: { type: 'boolean', default: false },
    'cpu-prof': { type: 'boolean', default: false },
    strace: { type: 'boolean', default: false },
    'node-flags': { type: 'string', default: '' },
  },
});
const tasks = Number(values.tasks);
const warmup = Number(values.warmup ?? tasks);
const levels = values.concurrency.split(',').map(Number);
for (const [name, value] of [['tasks', tasks], ['warmup', warmup], ...levels.map((c) => ['concurrency', c] as const)] as const) {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive whole number, not ${String(value)}`);
}
const profiles = fileURLToPath(new URL('../../results/profiles', import.meta.url));
await mkdir(profiles, { recursive: true });
const queue = 'processing-profile';

await using server = await startRedisServer();
const redis = new Redis(server.url);
console.log(`processing profile: ${warmup} add tasks to warm up, then ${tasks} measured, Redis ${server.version}${values.callgrind ? ', worker under callgrind' : ''}`);
try {
  for (const concurrency of levels) {
    const prefix = `callgrind.process-c${concurrency}`;
    for (const stale of (await readdir(profiles)).filter((f) => f.startsWith(prefix))) await rm(`${profiles}/${stale}`);
    const launcher: WorkerLauncher | undefined = values.callgrind
      ? { command: 'valgrind', args: ['--tool=callgrind', '--instr-atstart=no', '--separate-threads=yes', `--callgrind-out-file=${profiles}/${prefix}`] }
      : values.strace
        ? { command: 'strace', args: ['-c', '-f', '-o', `${profiles}/strace.process-c${concurrency}`] }
        : undefined;
    const nodeFlags = [...(values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${profiles}`] : []), ...values['node-flags'].split(' ').filter((flag) => flag !== '')];
    const worker = await startWorkerProcess('celerity.ts', nodeFlags, launcher === undefined ? {} : { launcher });
    const callgrind = (switchTo: 'on' | 'off') => run('callgrind_control', ['-i', switchTo, String(worker.pid)]);
    try {
      const options = { redisUrl: server.url, queue, concurrency, expect: tasks, timeout: 1_200_000 };
      await flush(redis);
      await fillAdds(server.url, queue, warmup);
      await worker.run({ ...options, expect: warmup });
      await flush(redis);
      await fillAdds(server.url, queue, tasks);
      await redis.config('RESETSTAT');
      const redisBefore = await redisCounters(redis);
      const measured = await worker.run({ ...options, ...(values.callgrind ? { beforeGo: async () => void (await callgrind('on')) } : {}) });
      if (values.callgrind) await callgrind('off');
      const redisAfter = await redisCounters(redis);
      const redisUs = (redisAfter.cpuSeconds - redisBefore.cpuSeconds) * 1e6;
      console.log(
        `c=${concurrency}: ${measured.ms.toFixed(0)} ms, CPU per task: worker ${(measured.cpuUs / tasks).toFixed(1)} µs, Redis ${(redisUs / tasks).toFixed(1)} µs; ${((redisAfter.commands - redisBefore.commands) / tasks).toFixed(2)} Redis commands per task`,
      );
      // Which commands the worker sent per task (the counters were reset before the measured run).
      const calls = [...(await redis.info('commandstats')).matchAll(/^cmdstat_(\w+):calls=(\d+)/gm)].map(([, name, count]) => `${name} ${(Number(count) / tasks).toFixed(3)}`);
      console.log(`c=${concurrency}: commands per task: ${calls.join(', ')}`);
    } finally {
      await worker.close();
    }
    if (values.callgrind) {
      const counted = await callgrindInstructions(profiles, prefix);
      console.log(
        `c=${concurrency}: instructions per task: main thread ${(counted.main / tasks).toFixed(0)} (${(counted.steady / tasks).toFixed(0)} without the event-loop delay histogram), all threads ${(counted.all / tasks).toFixed(0)}`,
      );
    }
  }
} finally {
  redis.disconnect();
}
