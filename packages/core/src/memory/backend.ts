/**
 * The in-memory result backend: Celery's storage rules (the result fence of `replacesStoredState`), push-based
 * `wait`, groups and exactly-once chord completion, with no server.
 */
import { READY_STATES, replacesStoredState } from '../backend.js';
import type { ChordPart, ResultBackend, ResultBackendCapabilities, ResultMeta } from '../backend.js';
import { CelerityError, ClosedError, ConfigurationError, TimeoutError } from '../errors.js';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import { backendHub, cloneValue } from './backend-hub.js';
import type { Waiter } from './backend-hub.js';

/** Options of {@link createMemoryBackend}. */
export interface MemoryBackendOptions {
  /**
   * The store to attach to: backends with the same name in one process share results
   * (`memory://` is `'default'`, `memory://jobs` is `'jobs'`).
   * @default 'default'
   */
  name?: string;
  /** Results and groups are forgotten this many milliseconds after being stored. @default undefined (kept) */
  expires?: number;
  /** Where failures of `onState` callbacks are reported. @default silentLogger */
  logger?: Logger;
}

/**
 * Creates an in-memory result backend attached to the named store. Values are stored by structured
 * copy; `wait` is woken by `store` (no polling).
 * @example
 * const backend = createMemoryBackend({ name: 'tests' });
 * const meta = await backend.wait(taskId, { timeout: 5 }); // seconds
 */
export function createMemoryBackend(options: MemoryBackendOptions = {}): ResultBackend {
  const { expires } = options;
  if (expires !== undefined && !(Number.isFinite(expires) && expires > 0)) {
    throw new ConfigurationError(`expires must be a positive number of milliseconds, got ${String(expires)}`);
  }
  const name = options.name ?? 'default';
  const logger = options.logger ?? silentLogger;
  const hub = backendHub(name);
  const capabilities: ResultBackendCapabilities = { persistent: true, replyQueue: false, chords: true };
  /** Pending waits of this instance, so `close()` can end them. */
  const pending = new Set<(error: Error) => void>();
  let closed = false;

  const ensureOpen = (): void => {
    if (closed) throw new ClosedError(`memory result backend (${name})`);
  };
  const expiresAt = (): number | null => (expires === undefined ? null : Date.now() + expires);

  const storeOne = (meta: ResultMeta): void => {
    const current = hub.getRecord(meta.task_id);
    if (!replacesStoredState(current?.status, meta.status)) return; // the result fence (a stale run finishing late)
    hub.setRecord(cloneValue(meta, `Result of task ${meta.task_id}`), expiresAt());
  };

  const wait = (taskId: string, waitOptions: Parameters<ResultBackend['wait']>[1] = {}): Promise<ResultMeta> => {
    const { timeout, signal, onState } = waitOptions;
    return new Promise<ResultMeta>((resolve, reject) => {
      if (closed) return reject(new ClosedError(`memory result backend (${name})`));
      if (signal?.aborted) return reject(signal.reason);
      const reportState = (meta: ResultMeta): void => {
        if (!onState) return;
        try {
          onState(meta);
        } catch (error) {
          logger.error('onState callback threw', { error, taskId });
        }
      };
      const current = hub.getRecord(taskId);
      if (current && READY_STATES.has(current.status)) return resolve(structuredClone(current));
      if (current) reportState(structuredClone(current));

      let timer: ReturnType<typeof setTimeout> | undefined;
      const finish = (): void => {
        hub.removeWaiter(taskId, waiter);
        pending.delete(fail);
        if (timer !== undefined) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const fail = (error: unknown): void => {
        finish();
        reject(error);
      };
      const onAbort = (): void => fail(signal?.reason);
      const waiter: Waiter = {
        notify(meta) {
          if (!READY_STATES.has(meta.status)) return reportState(meta);
          finish();
          resolve(meta);
        },
      };
      hub.addWaiter(taskId, waiter);
      pending.add(fail);
      signal?.addEventListener('abort', onAbort, { once: true });
      if (timeout !== undefined) {
        timer = setTimeout(() => fail(new TimeoutError(`No result for task ${taskId} within ${timeout} s`)), timeout * 1000);
      }
    });
  };

  const backend: ResultBackend = {
    name: 'memory',
    capabilities,
    async connect() {
      ensureOpen();
    },
    async store(meta) {
      ensureOpen();
      storeOne(meta);
    },
    async storeMany(metas) {
      ensureOpen();
      for (const meta of metas) storeOne(meta);
    },
    async get(taskId) {
      ensureOpen();
      const meta = hub.getRecord(taskId);
      return meta ? structuredClone(meta) : null;
    },
    wait,
    watch() {
      // Push-based already: `store` wakes waiters directly.
    },
    async forget(taskId) {
      ensureOpen();
      hub.deleteRecord(taskId);
    },
    async saveGroup(groupId, taskIds) {
      ensureOpen();
      hub.setGroup(groupId, [...taskIds], expiresAt());
    },
    async getGroup(groupId) {
      ensureOpen();
      const ids = hub.getGroup(groupId);
      return ids ? [...ids] : null;
    },
    async forgetGroup(groupId) {
      ensureOpen();
      hub.deleteGroup(groupId);
    },
    async chordInit(groupId, size) {
      ensureOpen();
      if (!Number.isInteger(size) || size < 0) throw new ConfigurationError(`chord size must be a non-negative integer, got ${size}`);
      hub.chords.set(groupId, { size, parts: new Map(), completed: false });
    },
    async chordPartReturn(groupId, part) {
      ensureOpen();
      const chord = hub.chords.get(groupId);
      if (!chord) throw new CelerityError('CHORD_NOT_FOUND', `Chord ${groupId} was not initialised (chordInit)`);
      if (chord.completed) return { complete: false };
      // Keyed by task id, first report kept: a header task run twice (redelivered) counts once, with
      // the result it reported first, whatever the second run returned.
      if (chord.parts.has(part.taskId)) return { complete: false };
      chord.parts.set(part.taskId, cloneValue(part, `Chord part ${part.taskId}`));
      if (chord.parts.size < chord.size) return { complete: false };
      chord.completed = true;
      const parts: ChordPart[] = [...chord.parts.values()].sort((a, b) => a.index - b.index);
      chord.parts = new Map();
      return { complete: true, parts };
    },
    async close() {
      if (closed) return;
      closed = true;
      const error = new ClosedError(`memory result backend (${name})`);
      for (const fail of [...pending]) fail(error);
    },
    async [Symbol.asyncDispose]() {
      await backend.close();
    },
  };
  return backend;
}
