// A stored record's `children` read back as Celery's result tuples: task tuples, group tuples with
// their members, parent tuples, and a clear DecodeError for anything else.
import { describe, expect, it } from 'vitest';
import { DecodeError, createMemoryBackend } from '@celerity/core';
import { AsyncResult, GroupResult } from '@celerity/client';
import { meta, uniqueName } from './helpers.js';

async function withChildren(children: unknown[]) {
  const backend = createMemoryBackend({ name: uniqueName() });
  await backend.store({ ...meta('owner', 'SUCCESS', 1), children });
  return new AsyncResult('owner', backend);
}

describe('AsyncResult.children', () => {
  it('reads task tuples, group tuples (members in order) and parent tuples', async () => {
    const owner = await withChildren([
      [['t1', null], null],
      [['g1', null], [[['m1', null], null], [['m2', null], null]]],
      [['t2', [['t1', null], null]], null],
    ]);
    const [t1, g1, t2] = await owner.children();
    expect(t1).toBeInstanceOf(AsyncResult);
    expect(t1!.id).toBe('t1');
    expect(g1).toBeInstanceOf(GroupResult);
    expect((g1 as GroupResult).results.map((r) => r.id)).toEqual(['m1', 'm2']);
    expect(t2!.parent?.id).toBe('t1');
  });

  it('is empty while nothing is stored', async () => {
    const backend = createMemoryBackend({ name: uniqueName() });
    expect(await new AsyncResult('nothing-yet', backend).children()).toEqual([]);
  });

  it('rejects a child that is not a result tuple with a DecodeError naming the task', async () => {
    const owner = await withChildren([{ id: 't1' }]);
    await expect(owner.children()).rejects.toThrow(DecodeError);
    await expect(owner.children()).rejects.toThrow(/owner/);
  });
});
