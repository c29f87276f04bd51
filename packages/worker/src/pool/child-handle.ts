/**
 * Starting one pool child, a `node:worker_threads` thread or a `child_process.fork` process, behind
 * one small interface: send a message, hear its messages and its exit, kill it.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Worker as Thread } from 'node:worker_threads';
import { fromSource as isFromSource, siblingModule, threadExecArgv, threadScript } from '../thread-script.js';
import type { FromChild, ToChild } from './protocol.js';

export type PoolKind = 'threads' | 'processes';

/** A started child. */
export interface ChildHandle {
  /** The process id (processes) or thread id (threads): changes when a child is replaced. */
  readonly id: number;
  send(message: ToChild): void;
  /** Ends it at once: `signal` for a process (SIGKILL by default), `terminate()` for a thread. */
  kill(signal?: NodeJS.Signals): void;
}

/** What a child reports to its pool. */
export interface ChildEvents {
  message(message: FromChild): void;
  /** The child ended; `signal` when a process was killed by one. */
  exit(code: number | null, signal: NodeJS.Signals | null): void;
}

const entry = siblingModule(import.meta.url, 'child-main');
/** Run from sources (tests, `--conditions=source`): the child needs tsx and the same condition. */
const fromSource = isFromSource(entry);

/** Starts a child that loads `tasksModule`. */
export function spawnChild(kind: PoolKind, tasksModule: string, events: ChildEvents): ChildHandle {
  const conditions = threadExecArgv(entry);
  if (kind === 'threads') {
    const thread = new Thread(threadScript(entry), { eval: true, workerData: { tasksModule, tsxRegistered: fromSource }, execArgv: conditions, stdout: false, stderr: false });
    thread.on('message', (m: FromChild) => events.message(m));
    // A thread that throws at top level ends with an error, then an exit.
    thread.on('error', () => {});
    thread.on('exit', (code) => events.exit(code, null));
    return {
      id: thread.threadId,
      send: (m) => thread.postMessage(m),
      kill: () => void thread.terminate(),
    };
  }
  const execArgv = fromSource ? ['--import', 'tsx', ...conditions] : [];
  const child = fork(fileURLToPath(entry), [tasksModule], { execArgv, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  child.on('message', (m) => events.message(m as FromChild));
  child.on('error', () => {});
  child.on('exit', (code, signal) => events.exit(code, signal));
  return {
    id: child.pid ?? -1,
    send: (m) => {
      if (child.connected) child.send(m);
    },
    kill: (signal = 'SIGKILL') => void child.kill(signal),
  };
}
