/**
 * CPU and memory of other processes, from Linux's /proc: what the bench reads of a process pool's
 * children (`process.cpuUsage()` counts only the process that calls it) and of a worker at rest.
 */
import { readFile } from 'node:fs/promises';

/**
 * Clock ticks per second of `utime` / `stime` in /proc/<pid>/stat (`getconf CLK_TCK`): 100 on every
 * Linux architecture Node runs on (the kernel's USER_HZ).
 */
export const CLOCK_TICKS_PER_S = 100;

/**
 * User + system CPU time, µs, from the text of /proc/<pid>/stat (every thread of the process). The
 * command name in parentheses may hold spaces and parentheses: fields are counted after the last `)`.
 * @example
 * statCpuUs('42 (node) S 1 42 42 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 11 0'); // 3_000_000
 */
export function statCpuUs(stat: string): number {
  const rest = stat.slice(stat.lastIndexOf(')') + 2).trim().split(/\s+/);
  // After the name: state(3) ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime(14) stime(15).
  const utime = Number(rest[11]);
  const stime = Number(rest[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`unreadable /proc stat line: ${stat.slice(0, 80)}`);
  return ((utime + stime) * 1e6) / CLOCK_TICKS_PER_S;
}

/**
 * A `kB` field of /proc/<pid>/status (`VmRSS`, `VmHWM`…), in bytes; undefined when absent.
 * @example
 * statusBytes('VmHWM:\t  2048 kB\n', 'VmHWM'); // 2_097_152
 */
export function statusBytes(status: string, field: string): number | undefined {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
  return match ? Number(match[1]) * 1024 : undefined;
}

/** CPU time of process `pid` so far, µs; undefined when it is gone (or not on Linux). */
export async function processCpuUs(pid: number): Promise<number | undefined> {
  try {
    return statCpuUs(await readFile(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** A `kB` field of process `pid`'s status, in bytes; undefined when it is gone (or not on Linux). */
export async function processMemory(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number | undefined> {
  try {
    return statusBytes(await readFile(`/proc/${pid}/status`, 'utf8'), field);
  } catch {
    return undefined;
  }
}
