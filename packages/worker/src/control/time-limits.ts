/**
 * Celery's `time_limit` control command on this worker: a task's hard / soft limits replaced by
 * name, as Celery sets `task.time_limit` / `task.soft_time_limit` in its worker process. The task
 * definitions stay untouched (they may be shared with other workers in the process): the worker
 * runs a job with the definition {@link TimeLimitOverrides.definitionFor} gives, a copy with the
 * new limits for an overridden task. The message's own `timelimit` header still comes first
 * (core's `effectiveTimeLimits`). A Map lookup per job only once some limit was changed.
 */
import type { TaskDefinition } from '@celerity/core';

/** Per-task time limits set at run time. */
export interface TimeLimitOverrides {
  /** Sets a task's limits in seconds from now on (null = the task has none: the worker's default applies). */
  set(definition: TaskDefinition, soft: number | null, hard: number | null): void;
  /** The definition to run a job of `definition` with. */
  definitionFor(definition: TaskDefinition): TaskDefinition;
}

export function createTimeLimitOverrides(): TimeLimitOverrides {
  const overridden = new Map<string, TaskDefinition>();
  return {
    set(definition, soft, hard) {
      // As Celery's `task.time_limit = None`: no task limit, so the worker-wide default applies.
      const { timeLimit: _hard, softTimeLimit: _soft, ...options } = definition.options;
      overridden.set(definition.name, { ...definition, options: { ...options, ...(hard === null ? {} : { timeLimit: hard }), ...(soft === null ? {} : { softTimeLimit: soft }) } });
    },
    definitionFor: (definition) => (overridden.size === 0 ? definition : (overridden.get(definition.name) ?? definition)),
  };
}
