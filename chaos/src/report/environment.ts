/** Where and on what a run happened: commit, machine, server versions. */
import { execFileSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';

/** The run's environment, for the results file. */
export interface RunEnvironment {
  date: string;
  commit: string;
  /** Uncommitted changes under packages/ (the code under test) at run time. */
  packagesDirty: boolean;
  cpu: string;
  cores: number;
  memoryGiB: number;
  loadAverage: number;
  node: string;
  redis: string;
  rabbitmq: string;
}

function run(command: string, args: string[]): string {
  try {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 20_000 }).trim();
  } catch {
    return 'unknown';
  }
}

/** Reads the environment (git, os, the server binaries). */
export function readEnvironment(root: string): RunEnvironment {
  const redis = /v=(\S+)/.exec(run('redis-server', ['--version']))?.[1] ?? 'unknown';
  return {
    date: new Date().toISOString(),
    commit: run('git', ['-C', root, 'rev-parse', 'HEAD']),
    packagesDirty: run('git', ['-C', root, 'status', '--porcelain', '--', 'packages']) !== '',
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    loadAverage: Number(loadavg()[0]?.toFixed(2) ?? 0),
    node: process.version,
    redis,
    rabbitmq: run('rabbitmqctl', ['version']).split('\n').pop() ?? 'unknown',
  };
}
