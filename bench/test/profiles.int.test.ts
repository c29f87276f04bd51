/**
 * The profiling scripts run from TypeScript with small sizes, each on a Redis of its own, and print
 * what their headers promise for the flags given: processing-profile (per concurrency, `--strace`
 * files, `--callgrind` counts), round-trip-probe (blocks, `--monitor`, `--strace`), events-profile
 * (`--concurrency`) and memory-probe (systems, concurrencies, jobs, runs).
 */
import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const BENCH = fileURLToPath(new URL('..', import.meta.url));

async function script(path: string, args: readonly string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ['--conditions=source', '--import', 'tsx', path, ...args], { cwd: BENCH, timeout: 240_000, maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

describe('profiling scripts', () => {
  it('processing-profile: each concurrency, its commands per task, strace files', async () => {
    const started = Date.now();
    const out = await script('src/profile/processing-profile.ts', ['--tasks', '200', '--warmup', '200', '--concurrency', '1,10', '--strace']);
    expect(out).toContain('then 200 measured');
    for (const c of [1, 10]) {
      expect(out).toMatch(new RegExp(`^c=${c}: \\d+ ms, CPU per task: worker [\\d.]+ µs, Redis [\\d.]+ µs; [\\d.]+ Redis commands per task$`, 'm'));
      expect(out).toMatch(new RegExp(`^c=${c}: commands per task: .*setex 1\\.000`, 'm'));
      expect((await stat(`${BENCH}/results/profiles/strace.process-c${c}`)).mtimeMs).toBeGreaterThanOrEqual(started);
    }
    expect(out).not.toContain('c=100');
  }, 300_000);

  it('processing-profile --callgrind: instructions per task', async () => {
    const out = await script('src/profile/processing-profile.ts', ['--tasks', '100', '--warmup', '100', '--concurrency', '10', '--callgrind']);
    expect(out).toMatch(/^c=10: instructions per task: main thread \d+ \(\d+ without the event-loop delay histogram\), all threads \d+$/m);
  }, 300_000);

  it('round-trip-probe: blocks, commands per round trip by connection, syscalls', async () => {
    const out = await script('src/round-trip-probe.ts', ['--systems', 'celerity,raw-ioredis', '--trips', '100', '--blocks', '2', '--monitor', '20', '--strace', '20']);
    expect(out.match(/^round \d+: /gm)).toHaveLength(2);
    expect(out).toMatch(/^median of block p50s: celerity [\d.]+ ms, raw-ioredis [\d.]+ ms$/m);
    expect(out).toMatch(/^raw-ioredis: [\d.]+ commands per round trip \(over 20\), by connection:$/m);
    expect(out).toMatch(/^  lua: .*PUBLISH/m);
    expect(out).toMatch(/^celerity worker: syscalls per round trip: /m);
    expect(out).not.toMatch(/^bullmq/m);
  }, 300_000);

  it('events-profile --concurrency: off then on at the concurrency asked', async () => {
    const out = await script('src/events/events-profile.ts', ['--tasks', '200', '--warmup', '200', '--concurrency', '20']);
    expect(out).toContain('concurrency 20');
    expect(out).toMatch(/^events off: /m);
    expect(out).toMatch(/^events on: /m);
  }, 300_000);

  it('memory-probe: a line per system and concurrency with the heap figures heap-peaks.ts wrote', async () => {
    const out = await script('src/memory-probe.ts', ['--systems', 'celerity,bullmq', '--concurrency', '1,10', '--jobs', '300', '--reps', '2']);
    expect(out).toMatch(/^memory probe: celerity, bullmq; 2 runs of 300 jobs at concurrency 1, 10; /m);
    for (const system of ['celerity', 'bullmq']) {
      for (const c of [1, 10]) {
        const line = new RegExp(`^${system} c=${c}: VmHWM ([\\d.]+) MiB; largest new space ([\\d.]+), old space ([\\d.]+) \\((?:no full collection|[\\d.]+–[\\d.]+ MiB in use after \\d+ full collections)\\), code [\\d.]+, large objects [\\d.]+, heap total ([\\d.]+), external [\\d.]+ MiB$`, 'm').exec(out);
        expect(line, `${system} c=${c}`).not.toBeNull();
        const [vmHwm, newSpace, oldSpace, heapTotal] = line!.slice(1).map(Number);
        // Figures the child wrote, not zeros: a process holds a heap, and its peak RSS holds the heap.
        expect(newSpace).toBeGreaterThan(0);
        expect(oldSpace).toBeGreaterThan(0);
        expect(heapTotal).toBeGreaterThanOrEqual(newSpace! + oldSpace! - 0.2);
        expect(vmHwm).toBeGreaterThan(heapTotal!);
      }
    }
    expect(out).not.toMatch(/c=100/);
  }, 300_000);

  it('memory-probe refuses a size that is not a positive whole number', async () => {
    await expect(script('src/memory-probe.ts', ['--jobs', '0'])).rejects.toThrow(/--jobs must be a positive whole number, not 0/);
  });
});
