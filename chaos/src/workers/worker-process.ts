/**
 * One `celerity worker` process, started exactly as a user would start it — the package's command
 * line from source through tsx, with the chaos tasks module — its output going to a log file.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const CHAOS_DIR = fileURLToPath(new URL('../..', import.meta.url));
const TASKS_MODULE = fileURLToPath(new URL('../worker-tasks.ts', import.meta.url));
// Resolved with the `source` condition the harness runs under: packages/worker/src/cli.ts.
const CLI = fileURLToPath(import.meta.resolve('@celerity/worker/cli'));

// Workers still running when the harness exits (it crashed, or was interrupted) are killed with it.
const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** How to start a worker. */
export interface WorkerSpec {
  brokerUrl: string;
  queue: string;
  /** @default 10 */
  concurrency?: number;
  /** @default 4 */
  prefetchMultiplier?: number;
  acksLate: boolean;
  /** Redis only: seconds before an unacked message is given back. */
  visibilityTimeout?: number;
  /** `--result-backend`: where results go (a redelivered acks-late task that already succeeded is then skipped). */
  resultBackendUrl?: string;
  /** Directory the tasks write their ledger to. */
  ledgerDir: string;
  /** The worker's stdout and stderr go here. */
  logFile: string;
  /** Node name, e.g. `w1-3@chaos`. */
  hostname: string;
  /** Extra environment variables (e.g. `CELERITY_BROKER_TRANSPORT_OPTIONS`). */
  env?: Record<string, string>;
}

/** How a worker process ended. */
export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  at: number;
}

/** A started worker process. */
export interface WorkerProcess {
  readonly pid: number;
  readonly startedAt: number;
  /** Resolves when the process has ended, however it ended. */
  readonly exited: Promise<WorkerExit>;
  /** Whether it is still running. */
  readonly running: boolean;
  /** Sends a signal; returns when it was sent (not when the process ended). */
  signal(signal: NodeJS.Signals): void;
  /** Resident set size now (VmRSS), bytes; undefined once gone. */
  rss(): number | undefined;
}

/** The command line of a worker, for logs and reproduction. */
export function workerArgs(spec: WorkerSpec): string[] {
  return [
    '--conditions=source',
    '--import',
    'tsx',
    CLI,
    'worker',
    '-A',
    TASKS_MODULE,
    '-b',
    spec.brokerUrl,
    '-Q',
    spec.queue,
    '-c',
    String(spec.concurrency ?? 10),
    '--prefetch-multiplier',
    String(spec.prefetchMultiplier ?? 4),
    '-n',
    spec.hostname,
    '-l',
    'warning',
    ...(spec.acksLate ? ['--acks-late'] : []),
    ...(spec.visibilityTimeout !== undefined ? ['--visibility-timeout', String(spec.visibilityTimeout)] : []),
    ...(spec.resultBackendUrl !== undefined ? ['--result-backend', spec.resultBackendUrl] : []),
  ];
}

/**
 * @example
 * const worker = startWorkerProcess({ brokerUrl, queue: 'chaos', acksLate: true, ledgerDir, logFile, hostname: 'w1@chaos' });
 * worker.signal('SIGKILL');
 * await worker.exited;
 */
export function startWorkerProcess(spec: WorkerSpec): WorkerProcess {
  const log = createWriteStream(spec.logFile, { flags: 'a' });
  const startedAt = Date.now();
  // cwd = the chaos package: the command finds the adapter packages by scheme from there.
  const child: ChildProcess = spawn(process.execPath, workerArgs(spec), {
    cwd: CHAOS_DIR,
    env: { ...process.env, ...spec.env, CHAOS_LEDGER_DIR: spec.ledgerDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error('could not start a worker process');
  const pid = child.pid;
  live.add(child);
  log.write(`# ${new Date(startedAt).toISOString()} pid ${pid}: node ${workerArgs(spec).join(' ')}\n`);
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  let running = true;
  const exited = new Promise<WorkerExit>((resolve) => {
    child.once('exit', (code, signal) => {
      running = false;
      live.delete(child);
      const at = Date.now();
      log.end(`# ${new Date(at).toISOString()} pid ${pid} exited: ${signal ?? code}\n`);
      resolve({ code, signal, at });
    });
  });
  return {
    pid,
    startedAt,
    exited,
    get running() {
      return running;
    },
    signal(signal) {
      if (running) child.kill(signal);
    },
    rss() {
      try {
        const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
        return match ? Number(match[1]) * 1024 : undefined;
      } catch {
        return undefined;
      }
    },
  };
}
