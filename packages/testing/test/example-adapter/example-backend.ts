/**
 * The example result backend (docs/adapters.md): the `ResultBackend` contract on the example
 * server's keys and pub/sub channels, laid out like Celery's Redis backend — a JSON record per
 * task, a message on the task's channel when it changes, so `wait` is woken rather than polling.
 */
import { CelerityError, ClosedError, DecodeError, READY_STATES, TimeoutError, replacesStoredState, silentLogger } from '@celerity/core';
import type { ChordPart, ChordProgress, Logger, ResultBackend, ResultBackendCapabilities, ResultMeta, ResultRequest, WaitOptions } from '@celerity/core';
import { mapExampleError } from './errors.js';
import { connectExampleServer, type ExampleConnection } from './server.js';

/** Options of {@link createExampleBackend}. */
export interface ExampleBackendOptions {
  /** The server to connect to; backends naming the same one share its results. @default 'default' */
  server?: string;
  /** Where failures of `onState` callbacks are reported. @default silentLogger */
  logger?: Logger;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Decodes a stored record: bytes from a server are `unknown` until checked. */
function decodeMeta(text: string): ResultMeta {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new DecodeError('example result record is not JSON', { cause: error });
  }
  if (!isRecord(value) || typeof value['task_id'] !== 'string' || typeof value['status'] !== 'string') throw new DecodeError('example result record has no task_id or status');
  return value as unknown as ResultMeta;
}

interface ChordState {
  size: number;
  parts: Record<string, ChordPart>;
  done: boolean;
}

// #region backend
class ExampleBackend implements ResultBackend {
  readonly name = 'example';
  // Any client reads any result (persistent), results are not sent to reply queues (so `store`
  // needs no request), and chord counting is atomic on the server (chords).
  readonly capabilities: ResultBackendCapabilities = { persistent: true, replyQueue: false, chords: true };
  readonly #connection: ExampleConnection;
  readonly #logger: Logger;
  readonly #waits = new Set<(error: Error) => void>();
  #closed = false;

  constructor(options: ExampleBackendOptions) {
    this.#connection = connectExampleServer(options.server ?? 'default');
    this.#logger = options.logger ?? silentLogger;
  }

  #call<T>(what: string, fn: (connection: ExampleConnection) => T): T {
    if (this.#closed) throw new ClosedError('example result backend');
    try {
      return fn(this.#connection);
    } catch (error) {
      throw mapExampleError(error, what);
    }
  }

  async connect(): Promise<void> {
    this.#call('connect', (c) => c.get(''));
  }

  // `request` routes a state for reply-queue backends (rpc://); a persistent store needs none.
  async store(meta: ResultMeta, _request?: ResultRequest): Promise<void> {
    await this.storeMany([meta]);
  }

  async storeMany(metas: readonly ResultMeta[], _requests?: readonly (ResultRequest | undefined)[]): Promise<void> {
    this.#call('store results', (c) => {
      for (const meta of metas) {
        const key = `task-meta-${meta.task_id}`;
        const current = c.get(key);
        // The result fence: a SUCCESS is final, a FAILURE / REVOKED gives way to a SUCCESS only
        // (a redelivered task, or one whose worker lost its lease, may finish twice).
        if (current !== undefined && !replacesStoredState(decodeMeta(current).status, meta.status)) continue;
        const text = JSON.stringify(meta);
        c.set(key, text);
        c.publish(`task-meta-${meta.task_id}`, text);
      }
    });
  }

  async get(taskId: string): Promise<ResultMeta | null> {
    const text = this.#call(`get ${taskId}`, (c) => c.get(`task-meta-${taskId}`));
    return text === undefined ? null : decodeMeta(text);
  }
  // #endregion backend

  // #region wait
  wait(taskId: string, options: WaitOptions = {}): Promise<ResultMeta> {
    const { timeout, signal, onState } = options;
    return new Promise<ResultMeta>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      let timer: NodeJS.Timeout | undefined;
      let unsubscribe = (): void => {};
      const finish = (): void => {
        unsubscribe();
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.#waits.delete(fail);
      };
      const fail = (error: unknown): void => {
        finish();
        reject(error);
      };
      const onAbort = (): void => fail(signal?.reason);
      const seen = (meta: ResultMeta): void => {
        if (READY_STATES.has(meta.status)) {
          finish();
          resolve(meta);
          return;
        }
        try {
          onState?.(meta);
        } catch (error) {
          this.#logger.error('onState callback threw', { error, taskId });
        }
      };
      try {
        // Subscribe first, then read: a state stored in between is not missed.
        const listener = (text: string): void => {
          try {
            seen(decodeMeta(text));
          } catch (error) {
            fail(error);
          }
        };
        unsubscribe = this.#call(`wait for ${taskId}`, (c) => c.subscribe(`task-meta-${taskId}`, listener));
        const current = this.#call(`get ${taskId}`, (c) => c.get(`task-meta-${taskId}`));
        if (current !== undefined) seen(decodeMeta(current));
      } catch (error) {
        return fail(error);
      }
      this.#waits.add(fail);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeout !== undefined) timer = setTimeout(() => fail(new TimeoutError(`No result for task ${taskId} within ${timeout} s`)), timeout * 1000);
    });
  }
  // #endregion wait

  async forget(taskId: string): Promise<void> {
    this.#call(`forget ${taskId}`, (c) => c.delete(`task-meta-${taskId}`));
  }

  async saveGroup(groupId: string, taskIds: readonly string[]): Promise<void> {
    this.#call(`save group ${groupId}`, (c) => c.set(`taskset-meta-${groupId}`, JSON.stringify(taskIds)));
  }

  async getGroup(groupId: string): Promise<string[] | null> {
    const text = this.#call(`get group ${groupId}`, (c) => c.get(`taskset-meta-${groupId}`));
    if (text === undefined) return null;
    const ids: unknown = JSON.parse(text);
    if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) throw new DecodeError(`example group ${groupId} is not a list of ids`);
    return ids;
  }

  async forgetGroup(groupId: string): Promise<void> {
    this.#call(`forget group ${groupId}`, (c) => c.delete(`taskset-meta-${groupId}`));
  }

  // #region chords
  async chordInit(groupId: string, size: number): Promise<void> {
    const chord: ChordState = { size, parts: {}, done: false };
    this.#call(`init chord ${groupId}`, (c) => c.set(`chord-${groupId}`, JSON.stringify(chord)));
  }

  async chordPartReturn(groupId: string, part: ChordPart): Promise<ChordProgress> {
    // One read-modify-write with nothing in between: a real server needs a script or a transaction.
    return this.#call(`chord part of ${groupId}`, (c): ChordProgress => {
      const text = c.get(`chord-${groupId}`);
      if (text === undefined) throw new CelerityError('CHORD_NOT_FOUND', `Chord ${groupId} was not initialised (chordInit)`);
      const chord = JSON.parse(text) as ChordState;
      if (chord.done) return { complete: false };
      // Keyed by task id, first report kept: a redelivered header task counts once.
      if (chord.parts[part.taskId] !== undefined) return { complete: false };
      chord.parts[part.taskId] = part;
      const parts = Object.values(chord.parts);
      chord.done = parts.length >= chord.size;
      c.set(`chord-${groupId}`, JSON.stringify(chord));
      return chord.done ? { complete: true, parts: parts.sort((a, b) => a.index - b.index) } : { complete: false };
    });
  }
  // #endregion chords

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const fail of [...this.#waits]) fail(new ClosedError('example result backend'));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/**
 * Creates a result backend on the named example server.
 * @example
 * await using backend = createExampleBackend({ server: 'jobs' });
 * const meta = await backend.wait(taskId, { timeout: 10 }); // seconds
 */
export function createExampleBackend(options: ExampleBackendOptions = {}): ResultBackend {
  return new ExampleBackend(options);
}
