/**
 * Waiting for the machine to be quiet before measuring: figures taken while other work (a test run
 * finishing, a build) uses the CPUs measure that work as much as the systems. Linux only (reads
 * /proc/stat); elsewhere it returns at once.
 */
import { readFile } from 'node:fs/promises';

/** CPU time counters of the whole machine (all cores), in clock ticks. */
interface CpuTimes {
  busy: number;
  total: number;
}

async function cpuTimes(): Promise<CpuTimes | undefined> {
  let text: string;
  try {
    text = await readFile('/proc/stat', 'utf8');
  } catch {
    return undefined;
  }
  const line = text.split('\n', 1)[0] ?? '';
  if (!line.startsWith('cpu ')) return undefined;
  // user nice system idle iowait irq softirq steal …: idle and iowait are the idle time.
  const fields = line.trim().split(/\s+/).slice(1).map(Number);
  const total = fields.slice(0, 8).reduce((sum, v) => sum + (Number.isFinite(v) ? v : 0), 0);
  const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
  return { busy: total - idle, total };
}

/** Share (0–1) of all CPUs that were busy over the next `ms`; undefined where it cannot be read. */
export async function busyShare(ms: number): Promise<number | undefined> {
  const before = await cpuTimes();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const after = await cpuTimes();
  if (before === undefined || after === undefined || after.total <= before.total) return undefined;
  return (after.busy - before.busy) / (after.total - before.total);
}

/** How a wait for quiet ended. */
export interface QuietWait {
  /** Busy share of the last sample (0–1), undefined where it cannot be read. */
  busy: number | undefined;
  /** Seconds spent waiting. */
  waitedS: number;
  /** False when `maxMs` ran out first. */
  quiet: boolean;
}

/**
 * Samples the CPUs one second at a time until at most `threshold` of them were busy, or `maxMs` passed.
 * @example
 * const wait = await waitForQuiet({ threshold: 0.15, maxMs: 120_000 });
 */
export async function waitForQuiet(options: { threshold: number; maxMs: number; sampleMs?: number }): Promise<QuietWait> {
  const started = Date.now();
  const sampleMs = options.sampleMs ?? 1000;
  for (;;) {
    const busy = await busyShare(sampleMs);
    const waitedS = Math.round((Date.now() - started) / 100) / 10;
    if (busy === undefined || busy <= options.threshold) return { busy, waitedS, quiet: true };
    if (Date.now() - started >= options.maxMs) return { busy, waitedS, quiet: false };
  }
}
