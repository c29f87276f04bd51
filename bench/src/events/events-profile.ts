/**
 * `node dist/events/events-profile.js [--tasks 5000] [--warmup <tasks>] [--concurrency 10] [--callgrind] [--cpu-prof] [--node-flags='<flags>']` (from bench/, after
 * `pnpm build:bench`): what task events cost the worker per task, apart from the bench's tables.
 * On a Redis of its own (started here), the events rows' worker child (workers/celerity-events.ts,
 * async pool, concurrency 10 unless `--concurrency` says otherwise; the bench's rows run at 100) runs an untimed warm-up of `warmup` `add(i, i)` tasks (default: as
 * many as measured) and then a measured run of `tasks`, events off, then on. Each measured run prints its time, the worker's,
 * Redis's and this process's CPU per task (this process runs the monitor) and the event messages the monitor heard.
 *
 * With `--callgrind` the worker runs under `valgrind --tool=callgrind` with instrumentation switched
 * on for the measured run only (`callgrind_control -i on` / `off`), and the script prints
 * instructions per task of the worker's main thread (also without its event-loop delay histogram,
 * whose per-second work grows with valgrind's slowdown) and of all its threads: figures that change
 * far less on a busy machine than times do. The callgrind files stay in results/profiles/
 * (`callgrind_annotate --inclusive=yes <file>`); `--cpu-prof` writes the worker's CPU profiles there;
 * `--node-flags` gives the worker's node more flags (e.g. `--trace-deopt --redirect-code-traces
 * --redirect-code-traces-to=<file>`).
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { Redis } from 'ioredis';
import { startRedisServer } from '@celerity/testing/redis';
import { flush, redisCounters } from '../redis-stats.js';
import { startWorkerProcess, type WorkerLauncher } from '../worker-process.js';
import { callgrindInstructions } from '../profile/callgrind.js';
import { EventMonitor } from './event-monitor.js';
import { fillAdds } from './scenario.js';

const run = promisify(execFile);
const { values } = parseArgs({ options: { tasks: { type: 'string', default: '5000' }, warmup: { type: 'string' }, concurrency: { type: 'string', default: '10' }, 'node-flags': { type: 'string', default: '' }, callgrind: { type: 'boolean', default: false }, 'cpu-prof': { type: 'boolean', default: false } } });
const tasks = Number(values.tasks);
const warmup = Number(values.warmup ?? tasks);
const concurrency = Number(values.concurrency);
for (const [name, value] of [['tasks', tasks], ['warmup', warmup], ['concurrency', concurrency]] as const) {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive whole number, not ${String(value)}`);
}
const profiles = fileURLToPath(new URL('../../results/profiles', import.meta.url));
await mkdir(profiles, { recursive: true });
const queue = 'events-profile';

await using server = await startRedisServer();
const redis = new Redis(server.url);
const monitor = await EventMonitor.start(server.url);
console.log(`events profile: ${warmup} add tasks to warm up, then ${tasks} measured, concurrency ${concurrency}, Redis ${server.version}${values.callgrind ? ', worker under callgrind' : ''}`);
const perTask: Record<string, { main: number; steady: number; all: number }> = {};
try {
  for (const mode of ['off', 'on'] as const) {
    const prefix = `callgrind.events-${mode}`;
    for (const stale of (await readdir(profiles)).filter((f) => f.startsWith(prefix))) await rm(`${profiles}/${stale}`);
    const launcher: WorkerLauncher | undefined = values.callgrind
      ? { command: 'valgrind', args: ['--tool=callgrind', '--instr-atstart=no', '--separate-threads=yes', `--callgrind-out-file=${profiles}/${prefix}`] }
      : undefined;
    process.env['BENCH_CELERITY_EVENTS'] = mode;
    const nodeFlags = [...(values['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${profiles}`] : []), ...values['node-flags'].split(' ').filter((flag) => flag !== '')];
    const worker = await startWorkerProcess('celerity-events.ts', nodeFlags, launcher === undefined ? {} : { launcher });
    delete process.env['BENCH_CELERITY_EVENTS'];
    const callgrind = (switchTo: 'on' | 'off') => run('callgrind_control', ['-i', switchTo, String(worker.pid)]);
    try {
      const options = { redisUrl: server.url, queue, concurrency, expect: tasks, timeout: 1_200_000 };
      await flush(redis);
      await fillAdds(server.url, queue, warmup);
      await worker.run({ ...options, expect: warmup });
      await flush(redis);
      await fillAdds(server.url, queue, tasks);
      monitor.reset();
      const redisBefore = await redisCounters(redis);
      const ownBefore = process.cpuUsage();
      const measured = await worker.run({ ...options, ...(values.callgrind ? { beforeGo: async () => void (await callgrind('on')) } : {}) });
      if (values.callgrind) await callgrind('off');
      // This process's CPU over the run: mostly the monitor receiving the event messages.
      const own = process.cpuUsage(ownBefore);
      const redisUs = ((await redisCounters(redis)).cpuSeconds - redisBefore.cpuSeconds) * 1e6;
      console.log(
        `events ${mode}: ${measured.ms.toFixed(0)} ms, CPU per task: worker ${(measured.cpuUs / tasks).toFixed(1)} µs, Redis ${(redisUs / tasks).toFixed(1)} µs, this process (the monitor) ${((own.user + own.system) / tasks).toFixed(1)} µs; ${monitor.heard} event messages heard`,
      );
    } finally {
      await worker.close();
    }
    if (values.callgrind) {
      const counted = await callgrindInstructions(profiles, prefix);
      perTask[mode] = { main: counted.main / tasks, steady: counted.steady / tasks, all: counted.all / tasks };
      console.log(
        `events ${mode}: instructions per task: main thread ${perTask[mode].main.toFixed(0)} (${perTask[mode].steady.toFixed(0)} without the event-loop delay histogram), all threads ${perTask[mode].all.toFixed(0)}`,
      );
    }
  }
  const off = perTask['off'];
  const on = perTask['on'];
  if (off !== undefined && on !== undefined) {
    console.log(
      `events on − off: ${(on.main - off.main).toFixed(0)} instructions per task on the main thread (${(on.steady - off.steady).toFixed(0)} without the histogram), ${(on.all - off.all).toFixed(0)} on all threads`,
    );
  }
} finally {
  monitor.close();
  redis.disconnect();
}
