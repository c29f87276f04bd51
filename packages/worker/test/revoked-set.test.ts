import { describe, expect, it } from 'vitest';
import { createRevokedSet } from '../src/revoked-set.js';
import { createFakeClock } from './fake-clock.js';

describe('revoked set', () => {
  it('holds an id until its revoke lapses; a later revoke of the same id extends it', () => {
    const clock = createFakeClock();
    const revoked = createRevokedSet(clock);
    expect(revoked.add(['a', 'b'], clock.now() + 1_000)).toEqual(['a', 'b']);
    expect(revoked.add(['a'], clock.now() + 5_000)).toEqual([]);
    clock.advance(1_000);
    expect(revoked.has('a')).toBe(true);
    expect(revoked.has('b')).toBe(false);
    expect(revoked.ids()).toEqual(['a']);
    clock.advance(4_000);
    expect(revoked.has('a')).toBe(false);
    expect(revoked.size).toBe(0);
  });

  it('keeps at most `max` ids, forgetting the oldest first', () => {
    const clock = createFakeClock();
    const revoked = createRevokedSet(clock, 3);
    revoked.add(['1', '2', '3', '4'], clock.now() + 1_000);
    expect(revoked.ids()).toEqual(['2', '3', '4']);
  });
});
