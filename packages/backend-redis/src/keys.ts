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
  /** The Redis Cluster layout: a group's keys share the hash tag `{<gid>}` (task keys are unchanged). */
  readonly cluster: boolean;
  /** `celery-task-meta-<id>`: a task's result, also the channel its states are published on. */
  task(taskId: string): string;
  /** `celery-taskset-meta-<gid>`: a saved group. */
  group(groupId: string): string;
  /** `celery-taskset-meta-<gid><suffix>` for the chord counters `.j`, `.t`, `.s`. */
  chord(groupId: string, suffix: '.j' | '.t' | '.s'): string;
}

/**
 * Celery's key names; with `cluster`, the layout for a Redis Cluster, where a group's saved result
 * and its chord counters must share a slot (the chord-part script and the final read-and-delete
 * touch `.j`, `.t` and `.s` together): the group id goes in a hash tag,
 * `celery-taskset-meta-{<gid>}` and `celery-taskset-meta-{<gid>}.j` … Task keys keep Celery's names,
 * so results spread over the cluster by task id. Python Celery reads neither on a cluster.
 * @example
 * const keys = createKeySpace('myapp');
 * keys.task('42'); // 'myapp_celery-task-meta-42'
 * createKeySpace('', true).chord('g1', '.j'); // 'celery-taskset-meta-{g1}.j'
 */
export function createKeySpace(keyPrefix?: string | null, cluster = false): KeySpace {
  const prefix = normalizeKeyPrefix(keyPrefix);
  const taskPrefix = `${prefix}${TASK_KEY_PREFIX}`;
  const groupPrefix = `${prefix}${GROUP_KEY_PREFIX}`;
  const group = cluster ? (groupId: string) => `${groupPrefix}{${groupId}}` : (groupId: string) => `${groupPrefix}${groupId}`;
  return {
    prefix,
    cluster,
    task: (taskId) => `${taskPrefix}${taskId}`,
    group,
    chord: (groupId, suffix) => `${group(groupId)}${suffix}`,
  };
}
