/**
 * The reply of `inspect stats` with the keys Celery's `WorkController.stats()` has: `total` (tasks
 * started, by name), `pid`, `clock`, `uptime` (seconds), `pool`, `broker` (kombu's
 * `Connection.info()`, without the password), `prefetch_count` and `rusage` (getrusage of the
 * process, Celery's field names).
 */
import { resourceUsage } from 'node:process';

/** What the reply is built from. */
export interface StatsSource {
  /** Tasks started, by name. */
  totals: ReadonlyMap<string, number>;
  /** When the worker was created, ms on the clock. */
  startedAt: number;
  now: number;
  pool: { kind: string; maxConcurrency: number; childIds: readonly number[]; maxTasksPerChild: number | undefined; timeouts: readonly [number | null, number | null] | undefined };
  /** The broker URL as configured (its password is left out), or the transport name of a broker object. */
  broker: string | { transport: string };
  prefetchCount: number;
  /** The worker's Lamport clock (the one its events carry). */
  clock: number;
}

const POOL_IMPLEMENTATIONS: Record<string, string> = { async: 'celerity:AsyncPool', threads: 'celerity:ThreadPool', processes: 'celerity:ProcessPool' };

/** kombu's `Connection.info()` of a URL. */
export function brokerInfo(broker: string | { transport: string }): Record<string, unknown> {
  const base = { alternates: [], connect_timeout: 4, failover_strategy: 'round-robin', heartbeat: null, insist: false, login_method: null, ssl: false, transport_options: {}, uri_prefix: null };
  if (typeof broker !== 'string') return { ...base, hostname: null, port: null, userid: null, virtual_host: null, transport: broker.transport };
  let url: URL;
  try {
    url = new URL(broker);
  } catch {
    return { ...base, hostname: null, port: null, userid: null, virtual_host: null, transport: broker.split(':')[0] ?? null };
  }
  const scheme = url.protocol.replace(/:$/, '');
  const amqp = scheme === 'amqp' || scheme === 'amqps' || scheme === 'pyamqp';
  const path = decodeURIComponent(url.pathname.replace(/^\//, ''));
  return {
    ...base,
    hostname: url.hostname || null,
    port: url.port === '' ? (amqp ? (scheme === 'amqps' ? 5671 : 5672) : scheme.startsWith('redis') ? 6379 : null) : Number(url.port),
    userid: url.username === '' ? (amqp ? 'guest' : null) : decodeURIComponent(url.username),
    virtual_host: amqp ? (path === '' ? '/' : path) : path === '' ? '0' : path,
    ssl: scheme === 'amqps' || scheme === 'rediss',
    login_method: amqp ? 'PLAIN' : null,
    transport: amqp ? 'amqp' : scheme,
  };
}

/** Celery's `WorkController.rusage()` from Node's `process.resourceUsage()` (times in seconds, sizes in KiB). */
export function rusage(): Record<string, number> {
  const u = resourceUsage();
  return {
    utime: u.userCPUTime / 1e6,
    stime: u.systemCPUTime / 1e6,
    maxrss: u.maxRSS,
    ixrss: u.sharedMemorySize,
    idrss: u.unsharedDataSize,
    isrss: u.unsharedStackSize,
    minflt: u.minorPageFault,
    majflt: u.majorPageFault,
    nswap: u.swappedOut,
    inblock: u.fsRead,
    oublock: u.fsWrite,
    msgsnd: u.ipcSent,
    msgrcv: u.ipcReceived,
    nsignals: u.signalsCount,
    nvcsw: u.voluntaryContextSwitches,
    nivcsw: u.involuntaryContextSwitches,
  };
}

export function statsReply(source: StatsSource): Record<string, unknown> {
  const { pool } = source;
  const poolInfo: Record<string, unknown> = {
    implementation: POOL_IMPLEMENTATIONS[pool.kind] ?? pool.kind,
    'max-concurrency': pool.maxConcurrency,
    // The async pool runs bodies in the worker's own process.
    processes: pool.kind === 'async' ? [process.pid] : [...pool.childIds],
    'max-tasks-per-child': pool.maxTasksPerChild ?? 'N/A',
    'put-guarded-by-semaphore': false,
    // Celery's order: [soft, hard]; 0 = none.
    timeouts: [pool.timeouts?.[1] ?? 0, pool.timeouts?.[0] ?? 0],
  };
  return {
    total: Object.fromEntries(source.totals),
    pid: process.pid,
    clock: String(source.clock),
    uptime: Math.round((source.now - source.startedAt) / 1000),
    pool: poolInfo,
    broker: brokerInfo(source.broker),
    prefetch_count: source.prefetchCount,
    rusage: rusage(),
  };
}
