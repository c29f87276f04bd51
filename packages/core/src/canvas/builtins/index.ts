/** Celery's built-in canvas operations: map / starmap / chunks, their worker tasks, and task replacement. */
export { chunks, chunksGroup, chunksParts, map, starmap } from './constructors.js';
export type { ChunksSignature, MapSignature, SingleArgument, TaskRef } from './constructors.js';
export { BUILTIN_TASK_NAMES, createBuiltinTasks, withBuiltinTasks } from './tasks.js';
export type { TaskLookup } from './tasks.js';
export { ReplaceRequest, accumulateSignature, checkReplacement, replacementSignature } from './replace.js';
