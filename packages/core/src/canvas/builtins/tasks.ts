/**
 * Celery's built-in canvas tasks, for a worker to register beside the user's: `celery.map`,
 * `celery.starmap`, `celery.chunks` and `celery.accumulate` (what a group replacement's chord
 * body runs). Like Celery's, map and starmap look the task up in the worker's own registry and
 * call its body in-process, one item after the other.
 */
import { NotRegisteredError } from '../../errors.js';
import type { SignatureData } from '../../signature.js';
import type { TaskContext, TaskDefinition } from '../../task.js';
import { defineTask } from '../../task.js';
import { bindArguments } from '../../task-params.js';
import { chunksGroup, chunksParts } from './constructors.js';

/** Looks up a registered task by name. */
export type TaskLookup = (name: string) => TaskDefinition | undefined;

function taskName(task: unknown, builtin: string): string {
  const name = typeof task === 'object' && task !== null ? (task as SignatureData).task : undefined;
  if (typeof name !== 'string') throw new TypeError(`${builtin}() needs a task signature as its task argument, got ${JSON.stringify(task)}`);
  return name;
}

/** Calls the task's body with `args` in-process, sharing the built-in's context (as Celery's `task(item)` does). */
async function callEach(lookup: TaskLookup, builtin: string, task: unknown, it: unknown, spread: boolean, ctx: TaskContext): Promise<unknown[]> {
  const name = taskName(task, builtin);
  if (!Array.isArray(it)) throw new TypeError(`${builtin}() needs a list of items, got ${JSON.stringify(it)}`);
  const definition = lookup(name);
  if (!definition) throw new NotRegisteredError(name);
  const results: unknown[] = [];
  for (const item of it) {
    if (spread && !Array.isArray(item)) throw new TypeError(`${builtin}() needs each item to be a list of arguments, got ${JSON.stringify(item)}`);
    const args = spread ? (item as unknown[]) : [item];
    results.push(await definition.fn(...bindArguments(name, definition.params, args, {}), ctx));
  }
  return results;
}

/**
 * The built-in task definitions, calling tasks found through `lookup`.
 * @example
 * const tasks = collectTasks(userTasks);
 * for (const builtin of createBuiltinTasks((name) => tasks.get(name))) if (!tasks.has(builtin.name)) tasks.set(builtin.name, builtin);
 */
export function createBuiltinTasks(lookup: TaskLookup): TaskDefinition[] {
  const map = defineTask({ name: 'celery.map', params: ['task', 'it'] }, (task: unknown, it: unknown, ctx: TaskContext) => callEach(lookup, 'celery.map', task, it, false, ctx));
  const starmap = defineTask({ name: 'celery.starmap', params: ['task', 'it'] }, (task: unknown, it: unknown, ctx: TaskContext) => callEach(lookup, 'celery.starmap', task, it, true, ctx));
  // Celery's returns the GroupResult of the starmaps it sends (kombu's JSON encoder refuses a
  // GroupResult); replacing itself with that group makes the result the list of the chunks' results.
  const chunks = defineTask({ name: 'celery.chunks', params: ['task', 'it', 'n'] }, (task: unknown, it: unknown, n: unknown, ctx: TaskContext): never => {
    return ctx.replace(chunksGroup(checkedChunks(task, it, n)));
  });
  // Celery's is `accumulate(*args, index=None)`; as a chord body it gets one argument, the header's results.
  const accumulate = defineTask({ name: 'celery.accumulate', params: ['value', 'index?'] }, (value: unknown, index?: number | null) => (index === undefined || index === null ? [value] : [value][index]));
  return [map, starmap, chunks, accumulate] as TaskDefinition[];
}

function checkedChunks(task: unknown, it: unknown, n: unknown): SignatureData {
  const sig: SignatureData = { task: 'celery.chunks', args: [], kwargs: { task, it, n }, options: {}, subtask_type: null, immutable: true };
  chunksParts(sig);
  return sig;
}

/**
 * Adds the built-in tasks to a worker's registry, keeping any of the same name already there.
 * @example
 * const tasks = withBuiltinTasks(collectTasks(userTasks));
 */
export function withBuiltinTasks(tasks: Map<string, TaskDefinition>): Map<string, TaskDefinition> {
  for (const builtin of createBuiltinTasks((name) => tasks.get(name))) if (!tasks.has(builtin.name)) tasks.set(builtin.name, builtin);
  return tasks;
}
