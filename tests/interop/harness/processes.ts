/**
 * Child processes of the interop harness: each runs in its own process group so a prefork worker's
 * children go down with it, and every live one is killed when the test file ends — also when a
 * test or hook failed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { afterAll } from 'vitest';

const live = new Set<ChildProcess>();

/** Sends `signal` to the whole process group of `child`; a group that is already gone is fine. */
export function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}

/** Resolves when `child` has exited (immediately when it already has). */
export function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  // No pid: the command could not be started at all.
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) {
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  }
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    // A command that could not be started never emits 'exit'.
    child.once('error', () => resolve({ code: child.exitCode, signal: child.signalCode }));
  });
}

/** Options of {@link spawnTracked}. */
export interface SpawnTrackedOptions {
  env: NodeJS.ProcessEnv;
  /** @default process.cwd() */
  cwd?: string;
}

/**
 * Spawns `argv` detached (its own process group) with piped output, tracked until it exits.
 * @example
 * const child = spawnTracked(['/usr/bin/python3', '-V'], { env: process.env });
 */
export function spawnTracked(argv: readonly string[], options: SpawnTrackedOptions): ChildProcess {
  const [command, ...args] = argv;
  if (command === undefined) throw new TypeError('spawnTracked: empty command');
  const child = spawn(command, args, {
    env: options.env,
    cwd: options.cwd ?? process.cwd(),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(child);
  child.once('exit', () => {
    live.delete(child);
    // Whatever the leader left behind (prefork children) goes too.
    signalGroup(child, 'SIGKILL');
  });
  child.once('error', () => live.delete(child));
  return child;
}

/**
 * Pids of the live (not zombie) processes in process group `pgid`, read from `/proc` (Linux).
 * Killed pool processes are re-parented to init, which may reap them late; zombies count as gone.
 */
export function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses, so split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') members.push(Number(entry));
  }
  return members;
}

/**
 * Resolves once process group `pgid` has no live member (SIGKILL is delivered asynchronously), or
 * rejects with the survivors after `timeout` ms. @default timeout 10_000
 */
export async function groupGone(pgid: number, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const members = groupMembers(pgid);
    if (members.length === 0) return;
    if (Date.now() > deadline) throw new Error(`process group ${pgid} still has ${members.join(', ')} after ${timeout} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Kills every tracked process group and waits for the leaders to exit. */
export async function killAllTracked(): Promise<void> {
  const children = [...live];
  for (const child of children) signalGroup(child, 'SIGKILL');
  await Promise.all(children.map((child) => exited(child)));
}

// A helper imported outside a test file (no runner) cannot register hooks; the exit handler still runs.
try {
  afterAll(killAllTracked);
} catch {
  /* not collected by vitest */
}
process.once('exit', () => {
  for (const child of live) signalGroup(child, 'SIGKILL');
});
