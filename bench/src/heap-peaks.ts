/**
 * Loaded into a worker child with `node --import <dist/heap-peaks.js>` (memory-probe.ts does): when
 * `BENCH_HEAP_PEAKS_FILE` is set, samples V8's heap spaces every 10 ms and writes, as JSON to that
 * file (every half second and at exit), the largest size each space reached and the old space's use
 * right after each full collection (the live old space). A process's peak RSS (VmHWM) alone does not
 * tell which part of the heap set it. Without the variable it does nothing.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import v8 from 'node:v8';
import { statusBytes } from './features/proc.js';

/** What the file holds; sizes in bytes. */
export interface HeapPeaks {
  /** Largest committed size of each V8 heap space (`new_space`, `old_space`, …). */
  spaces: Record<string, number>;
  /** Largest `process.memoryUsage()` figures (`heapTotal`, `external`, `arrayBuffers`). */
  usage: Record<string, number>;
  /** Old space in use right after each full (mark-compact) collection, in order. */
  oldLiveAfterMajor: number[];
  /** Peak resident set size so far (VmHWM). */
  vmHwm: number;
}

/** VmHWM of this process, bytes. */
function vmHwm(): number {
  return statusBytes(readFileSync('/proc/self/status', 'utf8'), 'VmHWM') ?? 0;
}

function oldSpaceUsed(): number {
  return v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space')?.space_used_size ?? 0;
}

const file = process.env['BENCH_HEAP_PEAKS_FILE'];
if (file !== undefined && file !== '') {
  const peaks: HeapPeaks = { spaces: {}, usage: {}, oldLiveAfterMajor: [], vmHwm: 0 };
  const raise = (into: Record<string, number>, key: string, value: number): void => {
    if (value > (into[key] ?? 0)) into[key] = value;
  };
  const write = (): void => {
    peaks.vmHwm = vmHwm();
    writeFileSync(file, JSON.stringify(peaks));
  };
  let samples = 0;
  const timer = setInterval(() => {
    for (const space of v8.getHeapSpaceStatistics()) raise(peaks.spaces, space.space_name, space.space_size);
    const usage = process.memoryUsage();
    for (const key of ['heapTotal', 'external', 'arrayBuffers'] as const) raise(peaks.usage, key, usage[key]);
    if (++samples % 50 === 0) write();
  }, 10);
  timer.unref();
  // The observer runs after the collection it reports: close enough to read what survived it.
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind;
      if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) peaks.oldLiveAfterMajor.push(oldSpaceUsed());
    }
  }).observe({ entryTypes: ['gc'] });
  process.on('exit', write);
}
