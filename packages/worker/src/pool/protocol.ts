/**
 * The messages between the worker and a pool child (thread or process). Task arguments, results
 * and `updateState` metas cross as bytes encoded by the message's serializer, never as structured
 * clones, so what a pooled task returns is exactly what the worker stores.
 */
import type { ExceptionInfo, SignatureData, TaskStateName } from '@celerity/core';

/** Worker → child: run one task. */
export interface RunMessage {
  t: 'run';
  /** The run's number in this child. */
  seq: number;
  name: string;
  /** `[args, kwargs]` encoded with `contentType`. */
  body: Uint8Array;
  contentType: string;
  id: string;
  retries: number;
  rootId: string | null;
  parentId: string | null;
  groupId: string | null;
  hostname: string;
  queue: string;
}

/** Worker → child: the soft time limit of run `seq` passed. */
export interface SoftMessage {
  t: 'soft';
  seq: number;
}

/** Worker → child: the answer to an `updateState` request. */
export interface StateDoneMessage {
  t: 'state-done';
  req: number;
  error: string | null;
}

export type ToChild = RunMessage | SoftMessage | StateDoneMessage;

/** Child → worker: the tasks module is loaded. */
export interface ReadyMessage {
  t: 'ready';
  /** Content types the child can decode and encode. */
  contentTypes: string[];
}

/** Child → worker: the tasks module could not be loaded (the child exits after it). */
export interface LoadFailedMessage {
  t: 'load-failed';
  message: string;
}

/** Child → worker: a task's `ctx.logger` line. */
export interface LogMessage {
  t: 'log';
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
}

/** Child → worker: a task's `ctx.updateState(state, meta)`; meta encoded like the run's body. */
export interface StateMessage {
  t: 'state';
  seq: number;
  req: number;
  state: TaskStateName;
  meta: Uint8Array;
}

/** The outcome of a run as it crosses: the value encoded, dates as epoch milliseconds. */
export type WireOutcome =
  | { kind: 'success'; value: Uint8Array; runtime: number }
  | { kind: 'failure'; exception: ExceptionInfo; traceback: string | null; message: string; runtime: number }
  | { kind: 'retry'; eta: number; countdown: number; exception: ExceptionInfo | null; traceback: string | null; runtime: number }
  /** `ctx.replace(signature)`: the signature is plain data and crosses as it is. */
  | { kind: 'replace'; signature: SignatureData; runtime: number };

/** Child → worker: run `seq` ended. */
export interface DoneMessage {
  t: 'done';
  seq: number;
  outcome: WireOutcome;
  /** The child's memory after the run, KiB (process: resident set; thread: its V8 heap). */
  memory: number;
}

export type FromChild = ReadyMessage | LoadFailedMessage | LogMessage | StateMessage | DoneMessage;
