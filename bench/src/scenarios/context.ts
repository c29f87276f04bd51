/** What every scenario gets: the config, the private Redis, the systems to run, and a logger. */
import type { Redis } from 'ioredis';
import type { BenchConfig } from '../config.js';
import type { RunError } from '../results.js';
import type { BenchSystem, BenchTarget } from '../system.js';

/** Shared by the scenarios of one invocation. */
export interface ScenarioContext {
  config: BenchConfig;
  target: BenchTarget;
  /** An admin connection to the bench's Redis (flushes, counters, memory). */
  redis: Redis;
  systems: readonly BenchSystem[];
  log(message: string): void;
  errors: RunError[];
  /** Extra `node` flags for worker processes (e.g. `--cpu-prof`). */
  workerExecArgv: readonly string[];
}

/** Rejects when `promise` takes longer than `ms` (a hung system must not hang the bench). */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Runs one system's part of a scenario; a failure is recorded and the bench goes on. */
export async function guarded(ctx: ScenarioContext, system: BenchSystem, scenario: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    ctx.errors.push({ system: system.name, scenario, message });
    ctx.log(`  ${system.name}: FAILED ${message.split('\n')[0]}`);
  }
}
