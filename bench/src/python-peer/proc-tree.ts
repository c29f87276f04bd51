/**
 * CPU time and peak memory of a process and its descendants, from Linux's /proc: a Python Celery
 * worker's prefork pool runs tasks in child processes, which `process.cpuUsage` of the bench cannot
 * see. Elsewhere than Linux the figures are absent (undefined).
 */
import { readFile, readdir } from 'node:fs/promises';

/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ, 100 on every Linux the bench runs on). */
const USER_HZ = 100;

/**
 * User + system CPU ticks from the text of /proc/<pid>/stat. The command name (field 2) is in
 * parentheses and may hold spaces and parentheses itself, so fields are counted after the last `)`.
 * @example
 * statCpuTicks('42 (python3) S 1 42 42 0 -1 4194560 100 0 0 0 250 30 0 0 20 0 1 0 1 1 1');  // 280
 */
export function statCpuTicks(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).trim().split(/\s+/);
  // After the name: state(3) ppid(4) … utime(14) stime(15), i.e. indexes 11 and 12 from field 3.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`unexpected /proc stat line: ${stat.slice(0, 120)}`);
  return utime + stime;
}

/** `VmHWM` (peak resident set) in bytes from the text of /proc/<pid>/status; undefined without it. */
export function statusPeakRssBytes(status: string): number | undefined {
  const match = /VmHWM:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) * 1024 : undefined;
}

async function childrenOf(pid: number): Promise<number[]> {
  const out: number[] = [];
  for (const task of await readdir(`/proc/${pid}/task`).catch(() => [])) {
    const text = await readFile(`/proc/${pid}/task/${task}/children`, 'utf8').catch(() => '');
    for (const child of text.trim().split(/\s+/)) if (child !== '') out.push(Number(child));
  }
  return out;
}

/** The process and every descendant alive now. */
export async function processTree(pid: number): Promise<number[]> {
  const all: number[] = [];
  for (const queue = [pid]; queue.length > 0; ) {
    const next = queue.shift()!;
    all.push(next);
    queue.push(...(await childrenOf(next)));
  }
  return all;
}

/** What a process tree used so far: CPU seconds (user + system) and the sum of each process's peak RSS. */
export interface TreeUsage {
  cpuSeconds: number;
  peakRssBytes: number;
}

/** Reads {@link TreeUsage} for `pid` and its descendants; undefined where /proc cannot be read. */
export async function treeUsage(pid: number): Promise<TreeUsage | undefined> {
  let ticks = 0;
  let rss = 0;
  try {
    for (const member of await processTree(pid)) {
      ticks += statCpuTicks(await readFile(`/proc/${member}/stat`, 'utf8'));
      rss += statusPeakRssBytes(await readFile(`/proc/${member}/status`, 'utf8')) ?? 0;
    }
  } catch {
    return undefined;
  }
  return { cpuSeconds: ticks / USER_HZ, peakRssBytes: rss };
}
