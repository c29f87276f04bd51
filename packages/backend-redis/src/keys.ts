/**
 * Key names of Celery's Redis result backend, with Celery 5.5+ `global_keyprefix` handling.
 */

/** Prefix of task result keys (and of their pub/sub channels). */
export const TASK_KEY_PREFIX = 'celery-task-meta-';
/** Prefix of group result keys; chords append `.j`, `.t` and `.s`. */
export const GROUP_KEY_PREFIX = 'celery-taskset-meta-';

/**
 * Normalises a `global_keyprefix` the way Celery 5.5+ does: a `_` is appended unless the prefix
 * already ends in `:`, `_`, `-` or `.`. An empty or absent prefix stays empty.
 * @example
 * normalizeKeyPrefix('myapp');  // 'myapp_'
 * normalizeKeyPrefix('myapp:'); // 'myapp:'
 */
export function normalizeKeyPrefix(prefix: string | undefined | null): string {
  if (!prefix) return '';
  return /[:_\-.]$/.test(prefix) ? prefix : `${prefix}_`;
}

/** Builds the result-backend keys for one key prefix. */
export interface KeySpace {
  /** The normalised prefix (`''` when none). */
  readonly prefix: string;
  /** `celery-task-meta-<id>`: a task's result, also the channel its states are published on. */
  task(taskId: string): string;
  /** `celery-taskset-meta-<gid>`: a saved group. */
  group(groupId: string): string;
  /** `celery-taskset-meta-<gid><suffix>` for the chord counters `.j`, `.t`, `.s`. */
  chord(groupId: string, suffix: '.j' | '.t' | '.s'): string;
}

/**
 * @example
 * const keys = createKeySpace('myapp');
 * keys.task('42'); // 'myapp_celery-task-meta-42'
 */
export function createKeySpace(keyPrefix?: string | null): KeySpace {
  const prefix = normalizeKeyPrefix(keyPrefix);
  const taskPrefix = `${prefix}${TASK_KEY_PREFIX}`;
  const groupPrefix = `${prefix}${GROUP_KEY_PREFIX}`;
  return {
    prefix,
    task: (taskId) => `${taskPrefix}${taskId}`,
    group: (groupId) => `${groupPrefix}${groupId}`,
    chord: (groupId, suffix) => `${groupPrefix}${groupId}${suffix}`,
  };
}
