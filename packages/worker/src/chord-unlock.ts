/**
 * `celery.chord_unlock` on a Celerity worker: what a Python client sends for a chord when its
 * result backend cannot count chord parts. The worker reads the header members through its own
 * result backend (core's check) and sends the body, or the body's ChordError and errbacks, as
 * children of the unlock task; the task runs in this process even with a pool, where the backend is.
 */
import type { ResultBackend, TaskDefinition } from '@celerity/core';
import { createChordUnlockTask } from '@celerity/core/internal';
import type { FollowupContext } from './followups.js';
import { settleChord } from './followups.js';

/**
 * The task definition, settling chords with `backend` and sending follow-ups through `ctx`.
 * @example
 * if (backend && !tasks.has('celery.chord_unlock')) tasks.set('celery.chord_unlock', chordUnlockTask(backend, ctx));
 */
export function chordUnlockTask(backend: ResultBackend, ctx: FollowupContext): TaskDefinition {
  return createChordUnlockTask(backend, (outcome, request, task) =>
    // The unlock's own caller is a Python client on a backend that stores results by id: nothing to route.
    settleChord({ id: task.id, task: task.name, replyTo: null, correlationId: null }, request.groupId, outcome, backend, ctx),
  );
}
