/** Per-test resources of the result-backend conformance suite. */
import type { ResultBackend, ResultBackendCapabilities, ResultMeta, ResultRequest, TaskStateName } from '@celerity/core';
import { READY_STATES } from '@celerity/core';
import type { TestContext } from 'vitest';
import { randomSuffix, sleep, waitFor } from './helpers.js';

/** Options of `runBackendConformance`. */
export interface BackendConformanceOptions {
  /** How long to wait for something that must happen, in milliseconds. @default 10000 */
  timeout?: number;
  /** Quiet period used before storing "later" results, in milliseconds. @default 150 */
  settleMs?: number;
  /** Prefix of task and group ids (a random suffix is appended). @default 'celerity-test' */
  idPrefix?: string;
  /** Deletes server-side leftovers (e.g. chord counters) after each test; records and groups are forgotten anyway. */
  cleanup?: (resources: { taskIds: string[]; groupIds: string[] }) => Promise<void>;
}

/** Resources of one test. */
export interface BackendHarness {
  readonly timeout: number;
  /** A new backend, closed after the test. */
  backend(): Promise<ResultBackend>;
  /** A fresh task id, forgotten after the test. */
  taskId(): string;
  /** A fresh group id, forgotten after the test. */
  groupId(): string;
  /**
   * The request of a task sent by a new caller: a fresh reply queue (as a client's app id) and the
   * task id as correlation id, as a worker passes it to `store`. The caller is a backend that was
   * told with `watch(taskId, request)`.
   */
  request(taskId: string): ResultRequest;
  until(predicate: () => boolean | Promise<boolean>, what: string): Promise<void>;
  settle(): Promise<void>;
  dispose(): Promise<void>;
}

/** Creates the resources of one backend conformance test. */
export function createBackendHarness(
  makeBackend: () => Promise<ResultBackend> | ResultBackend,
  options: BackendConformanceOptions,
): BackendHarness {
  const timeout = options.timeout ?? 10_000;
  const settleMs = options.settleMs ?? 150;
  const prefix = options.idPrefix ?? 'celerity-test';
  const backends: ResultBackend[] = [];
  const taskIds: string[] = [];
  const groupIds: string[] = [];
  return {
    timeout,
    async backend() {
      const backend = await makeBackend();
      backends.push(backend);
      await backend.connect();
      return backend;
    },
    taskId() {
      const id = `${prefix}-task-${randomSuffix(8)}`;
      taskIds.push(id);
      return id;
    },
    groupId() {
      const id = `${prefix}-group-${randomSuffix(8)}`;
      groupIds.push(id);
      return id;
    },
    request(taskId) {
      return { replyTo: `${prefix}-reply-${randomSuffix(8)}`, correlationId: taskId };
    },
    async until(predicate, what) {
      await waitFor(predicate, { timeout, message: what });
    },
    settle: () => sleep(settleMs),
    async dispose() {
      const errors: unknown[] = [];
      for (const backend of backends.splice(0)) await backend.close().catch((e: unknown) => errors.push(e));
      if (taskIds.length > 0 || groupIds.length > 0) {
        const janitor = await makeBackend();
        try {
          for (const id of taskIds) await janitor.forget(id).catch(() => undefined);
          for (const id of groupIds) await janitor.forgetGroup(id).catch(() => undefined);
        } finally {
          await janitor.close();
        }
      }
      if (options.cleanup) await options.cleanup({ taskIds: taskIds.splice(0), groupIds: groupIds.splice(0) });
      taskIds.length = 0;
      groupIds.length = 0;
      if (errors.length > 0) throw new AggregateError(errors, 'closing backends failed');
    },
  };
}

/** A complete result record as a worker would store it. */
export function metaOf(taskId: string, status: TaskStateName, result: unknown, extra: Partial<ResultMeta> = {}): ResultMeta {
  return {
    status,
    result,
    traceback: null,
    children: [],
    date_done: READY_STATES.has(status) ? '2026-01-02T03:04:05.678901+00:00' : null,
    task_id: taskId,
    ...extra,
  };
}

/** A result value with unicode keys and values, nesting, empties, null and a big integer. */
export const RICH_RESULT = {
  text: 'héllo ✓ 日本語 🎉',
  'ключ': 'значение',
  nested: { list: [1, 2.5, null, true, false, { deep: ['x', { deeper: -7 }] }], empty: {}, emptyList: [] },
  nothing: null,
  big: 2 ** 40,
};

/** Celery's exception dict of a FAILURE. */
export const FAILURE_RESULT = { exc_type: 'ValueError', exc_message: ['bad value', 42], exc_module: 'builtins' };
/** A Python traceback, as stored with a FAILURE. */
export const TRACEBACK = 'Traceback (most recent call last):\n  File "tasks.py", line 3, in add\nValueError: bad value\n';

/** A backend for a test of something only some backends do; skips the test when this one cannot. */
export async function requiring(h: BackendHarness, test: TestContext, capability: keyof ResultBackendCapabilities): Promise<ResultBackend> {
  const backend = await h.backend();
  if (!backend.capabilities[capability]) test.skip(`the backend has no capabilities.${capability}`);
  return backend;
}
