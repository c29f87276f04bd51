/** Eager mode: run a task in-process at send time, like Celery's `task_always_eager`. */
import type { ResultBackend, ResultMeta } from '../backend.js';
import type { TaskMessageInit } from '../message.js';
import type { SignatureData } from '../signature.js';
import { ConfigurationError } from '../errors.js';
import { exceptionInfoOf } from './exceptions.js';
import type { TaskDefinition } from '../task.js';
import type { Logger } from '../logger.js';
import { silentLogger } from '../logger.js';
import { traceTask } from './trace.js';
import { buildResultMeta } from './meta.js';

/** Options of {@link runTaskEagerly}. */
export interface EagerOptions {
  /** Where the final state (and custom states) are stored; nothing is stored without one. */
  backend?: ResultBackend;
  logger?: Logger;
  /** @default 'eager@localhost' */
  hostname?: string;
  /**
   * Runs the replacement a task asked for with `ctx.replace(signature)` (given as the task's
   * `signature`, not yet rewritten by `replacementSignature`) and returns the task's final record.
   * Without it, a replacement is stored and returned as a FAILURE (`ConfigurationError`).
   */
  replace?: (signature: SignatureData) => Promise<ResultMeta>;
}

/**
 * Runs `definition` in-process for a message and returns its final result record. Retries run
 * again at once (countdowns are not waited for), up to the task's retry limit.
 * @example
 * const meta = await runTaskEagerly(add, { task: 'tasks.add', id, args: [1, 2] });
 */
export async function runTaskEagerly(definition: TaskDefinition, message: TaskMessageInit, options: EagerOptions = {}): Promise<ResultMeta> {
  const logger = options.logger ?? silentLogger;
  const backend = options.backend;
  for (let retries = message.retries ?? 0; ; retries++) {
    const outcome = await traceTask(
      definition,
      {
        id: message.id,
        name: definition.name,
        args: message.args ?? [],
        kwargs: message.kwargs ?? {},
        retries,
        rootId: message.rootId ?? message.id,
        parentId: message.parentId ?? null,
        groupId: message.group ?? null,
        hostname: options.hostname ?? 'eager@localhost',
        queue: definition.options.queue ?? 'celery',
        timeLimit: message.timeLimit ?? [null, null],
      },
      {
        logger,
        updateState: async (state, meta) => {
          await backend?.store(buildResultMeta({ taskId: message.id, status: state, result: meta }));
        },
      },
    );
    if (outcome.kind === 'retry') continue;
    if (outcome.kind === 'replace' && options.replace) return options.replace(outcome.signature);
    const failed =
      outcome.kind === 'replace'
        ? { exception: exceptionInfoOf(new ConfigurationError(`${definition.name} replaced itself, which this eager runner cannot apply`)), traceback: null }
        : outcome.kind === 'failure'
          ? outcome
          : undefined;
    const meta =
      failed === undefined && outcome.kind === 'success'
        ? buildResultMeta({ taskId: message.id, status: 'SUCCESS', result: outcome.value, groupId: message.group ?? null, parentId: message.parentId ?? null })
        : buildResultMeta({
            taskId: message.id,
            status: 'FAILURE',
            result: failed?.exception,
            traceback: failed?.traceback ?? null,
            groupId: message.group ?? null,
            parentId: message.parentId ?? null,
          });
    if (backend && !(definition.options.ignoreResult && outcome.kind === 'success')) await backend.store(meta);
    return meta;
  }
}
