/**
 * `node dist/memory-probe.js [--systems celerity,bullmq] [--concurrency 1,10,100] [--jobs 50000] [--reps 5]`
 * (from bench/, after `pnpm build:bench`): what sets a worker's peak RSS, apart from the bench's
 * tables. On a Redis of its own, each system's worker child (the process scenario's) runs `reps`
 * runs of `jobs` pre-enqueued `add(i, i)` jobs at each concurrency, a fresh process per
 * concurrency as in the scenario, with heap-peaks.ts loaded into it. Then it prints the process's
 * VmHWM, the largest committed size of V8's new and old spaces, the largest external memory, and
 * the old space in use right after full collections (what was live in it).
 */
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { startRedisServer } from '@celerity/testing/redis';
import type { HeapPeaks } from './heap-peaks.js';
import { flush } from './redis-stats.js';
import { SYSTEMS } from './systems/index.js';
import { FROM_DIST, startWorkerProcess } from './worker-process.js';

const { values } = parseArgs({
  options: {
    systems: { type: 'string', default: 'celerity,bullmq' },
    concurrency: { type: 'string', default: '1,10,100' },
    jobs: { type: 'string', default: '50000' },
    reps: { type: 'string', default: '5' },
  },
});
const jobs = Number(values.jobs);
const reps = Number(values.reps);
const levels = values.concurrency.split(',').map(Number);
for (const [name, value] of [['jobs', jobs], ['reps', reps], ...levels.map((c) => ['concurrency', c] as const)] as const) {
  if (!Number.isInteger(value) || value <= 0) throw new Error(`--${name} must be a positive whole number, not ${String(value)}`);
}
const chosen = values.systems.split(',').map((name) => {
  const system = SYSTEMS.find((s) => s.name === name);
  if (!system) throw new Error(`unknown system ${name}`);
  return system;
});
const peaksModule = new URL(FROM_DIST ? './heap-peaks.js' : './heap-peaks.ts', import.meta.url).href;
const mib = (bytes: number | undefined): string => ((bytes ?? 0) / 2 ** 20).toFixed(1);

await using server = await startRedisServer();
const redis = new Redis(server.url);
console.log(`memory probe: ${chosen.map((s) => s.name).join(', ')}; ${reps} runs of ${jobs} jobs at concurrency ${levels.join(', ')}; Redis ${server.version}`);
try {
  for (const concurrency of levels) {
    for (const system of chosen) {
      const file = join(tmpdir(), `celerity-heap-peaks-${process.pid}-${system.name}-${concurrency}.json`);
      const target = { redisUrl: server.url, queue: 'memory-probe' };
      const worker = await startWorkerProcess(system.workerModule, ['--import', peaksModule], { env: { BENCH_HEAP_PEAKS_FILE: file } });
      try {
        for (let rep = 0; rep < reps; rep++) {
          await flush(redis);
          const producer = await system.openProducer(target);
          try {
            await producer.enqueueBulk(jobs, 1000);
          } finally {
            await producer.close();
          }
          await worker.run({ ...target, concurrency, expect: jobs });
        }
      } finally {
        await worker.close();
      }
      const peaks = JSON.parse(await readFile(file, 'utf8')) as HeapPeaks;
      await rm(file);
      const live = peaks.oldLiveAfterMajor;
      const liveText = live.length === 0 ? 'no full collection' : `${mib(Math.min(...live))}–${mib(Math.max(...live))} MiB in use after ${live.length} full collections`;
      console.log(
        `${system.name} c=${concurrency}: VmHWM ${mib(peaks.vmHwm)} MiB; largest new space ${mib(peaks.spaces['new_space'])}, old space ${mib(peaks.spaces['old_space'])} (${liveText}), code ${mib(peaks.spaces['code_space'])}, large objects ${mib(peaks.spaces['large_object_space'])}, heap total ${mib(peaks.usage['heapTotal'])}, external ${mib(peaks.usage['external'])} MiB`,
      );
    }
  }
} finally {
  redis.disconnect();
}
