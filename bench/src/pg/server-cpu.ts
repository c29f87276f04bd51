/**
 * CPU time of the PostgreSQL server on this machine, read from `/proc` like the Redis CPU figure is read
 * from `INFO`: every `postgres` process's own user + system time, plus what the postmaster collected
 * from backends that already exited (a worker's connections close before its run is reported).
 */
import { readdir, readFile } from 'node:fs/promises';

/** The fields of `/proc/<pid>/stat` this needs, times in clock ticks. */
export interface ProcStat {
  pid: number;
  comm: string;
  ppid: number;
  utime: number;
  stime: number;
  cutime: number;
  cstime: number;
}

/** Linux's `USER_HZ`: `/proc` counts CPU time in hundredths of a second. */
export const TICKS_PER_SECOND = 100;

/**
 * Parses one `/proc/<pid>/stat` line; null when it is not one. The command name sits in parentheses
 * and may hold spaces, so fields are counted from the last `)`.
 * @example
 * parseProcStat('42 (postgres) S 1 42 42 0 -1 4194560 1 0 0 0 7 3 0 0 20 0 1 0 5 0 0')?.utime; // 7
 */
export function parseProcStat(line: string): ProcStat | null {
  const open = line.indexOf('(');
  const close = line.lastIndexOf(')');
  if (open < 0 || close < open) return null;
  const rest = line.slice(close + 2).split(' ');
  // rest[0] is field 3 (state); utime is field 14, stime 15, cutime 16, cstime 17.
  const field = (n: number): number => Number(rest[n - 3]);
  const stat = { pid: Number(line.slice(0, open).trim()), comm: line.slice(open + 1, close), ppid: field(4), utime: field(14), stime: field(15), cutime: field(16), cstime: field(17) };
  return [stat.pid, stat.ppid, stat.utime, stat.stime, stat.cutime, stat.cstime].every(Number.isFinite) ? stat : null;
}

/** Seconds of CPU of the `postgres` processes among `stats` (see the module comment); null when there are none. */
export function postgresCpuSeconds(stats: readonly ProcStat[]): number | null {
  const server = stats.filter((s) => s.comm === 'postgres');
  if (server.length === 0) return null;
  const pids = new Set(server.map((s) => s.pid));
  let ticks = 0;
  for (const s of server) {
    ticks += s.utime + s.stime;
    // The postmaster (its parent is not a postgres process) holds its exited backends' time.
    if (!pids.has(s.ppid)) ticks += s.cutime + s.cstime;
  }
  return ticks / TICKS_PER_SECOND;
}

/** Reads every process's stat and sums the PostgreSQL server's CPU seconds; null when none is visible. */
export async function readPostgresCpuSeconds(proc = '/proc'): Promise<number | null> {
  let entries: string[];
  try {
    entries = await readdir(proc);
  } catch {
    return null;
  }
  const stats: ProcStat[] = [];
  await Promise.all(
    entries.filter((e) => /^\d+$/.test(e)).map(async (pid) => {
      // A process may exit between readdir and read.
      const line = await readFile(`${proc}/${pid}/stat`, 'utf8').catch(() => null);
      const stat = line === null ? null : parseProcStat(line);
      if (stat) stats.push(stat);
    }),
  );
  return postgresCpuSeconds(stats);
}
