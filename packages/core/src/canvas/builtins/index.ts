/** Celery's built-in canvas operations: map / starmap / chunks, their worker tasks, and task replacement. */
export { chunks, chunksGroup, map, starmap } from './constructors.js';
export type { ChunksSignature, MapSignature, SingleArgument, TaskRef } from './constructors.js';
export { createBuiltinTasks, withBuiltinTasks } from './tasks.js';
export type { TaskLookup } from './tasks.js';
export { replacementSignature } from './replace.js';
export { CHORD_UNLOCK_DEFAULT_INTERVAL, chordUnlockStep, createChordUnlockTask, parseChordUnlock } from './chord-unlock.js';
export type { ChordUnlockOutcome, ChordUnlockRequest, ChordUnlockSettle } from './chord-unlock.js';
