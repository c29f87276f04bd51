/**
 * Result-backend conformance, part three: groups, and chords for backends with
 * `capabilities.chords` (the others skip those tests).
 */
import type { ChordPart, ResultBackend } from '@celerity/core';
import { describe, expect, it } from 'vitest';
import { FAILURE_RESULT, requiring } from './backend-harness.js';
import type { BackendHarness } from './backend-harness.js';

/** Registers the group and chord tests. */
export function registerGroupTests(ctx: { h: BackendHarness }): void {
  describe('groups and chords', () => {
    it('saves, reads and forgets a group, keeping member order', async () => {
      const { h } = ctx;
      const backend = await h.backend();
      const gid = h.groupId();
      expect(await backend.getGroup(gid)).toBeNull();
      const ids = [h.taskId(), h.taskId(), h.taskId()];
      await backend.saveGroup(gid, ids);
      expect(await backend.getGroup(gid)).toEqual(ids);
      await backend.forgetGroup(gid);
      expect(await backend.getGroup(gid)).toBeNull();
    });

    it('completes a chord exactly once under concurrent part returns, parts ordered by index', async (test) => {
      const { h } = ctx;
      const backends = [await requiring(h, test, 'chords'), await h.backend()];
      const gid = h.groupId();
      const size = 8;
      await backends[0]?.chordInit(gid, size);
      const parts: ChordPart[] = Array.from({ length: size }, (_, index) => ({
        taskId: h.taskId(),
        index,
        status: index === 5 ? 'FAILURE' : 'SUCCESS',
        result: index === 5 ? FAILURE_RESULT : { index, text: `part ${index} ✓` },
      }));
      const shuffled = [...parts].sort(() => Math.random() - 0.5);
      const answers = await Promise.all(
        shuffled.map((part, i) => (backends[i % backends.length] as ResultBackend).chordPartReturn(gid, part)),
      );
      const complete = answers.filter((a) => a.complete);
      expect(complete).toHaveLength(1);
      const done = complete[0];
      expect(done?.complete && done.parts).toEqual(parts);
    });

    it('does not complete a chord again when a part is returned twice (redelivered header task)', async (test) => {
      const { h } = ctx;
      const backend = await requiring(h, test, 'chords');
      const gid = h.groupId();
      await backend.chordInit(gid, 3);
      const parts: ChordPart[] = [0, 1, 2].map((index) => ({ taskId: h.taskId(), index, status: 'SUCCESS', result: index }));
      const answers = [];
      for (const part of parts) answers.push(await backend.chordPartReturn(gid, part));
      answers.push(await backend.chordPartReturn(gid, parts[2] as ChordPart));
      expect(answers.map((a) => a.complete)).toEqual([false, false, true, false]);
    });

    it('completes a one-part chord on its only return', async (test) => {
      const { h } = ctx;
      const backend = await requiring(h, test, 'chords');
      const gid = h.groupId();
      await backend.chordInit(gid, 1);
      const part: ChordPart = { taskId: h.taskId(), index: 0, status: 'SUCCESS', result: [1, 'two'] };
      expect(await backend.chordPartReturn(gid, part)).toEqual({ complete: true, parts: [part] });
    });
  });
}
