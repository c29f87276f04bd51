import { describe, expect, it } from 'vitest';
import { silentLogger } from '@celerity/core';
import type { ResultBackend, ResultMeta } from '@celerity/core';
import { createResultWriter } from '../src/result-writer.js';

const meta = (id: string): ResultMeta => ({ status: 'SUCCESS', result: id, traceback: null, children: [], date_done: null, task_id: id });

/** A backend whose storeMany calls are recorded and settled by hand. */
function manualBackend() {
  const calls: Array<{ ids: string[]; resolve: () => void; reject: (error: unknown) => void }> = [];
  const backend = {
    storeMany: (metas: readonly ResultMeta[]) =>
      new Promise<void>((resolve, reject) => calls.push({ ids: metas.map((m) => m.task_id), resolve, reject })),
  } as unknown as ResultBackend;
  return { backend, calls };
}

const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('createResultWriter', () => {
  it('sends a burst as one batch, and what comes while it is in flight as the next, in order', async () => {
    const { backend, calls } = manualBackend();
    const writer = createResultWriter(backend, silentLogger, 2);
    const done: string[] = [];
    const store = (id: string) => writer.store(meta(id)).then(() => void done.push(id));
    const first = [store('a'), store('b')];
    await tick();
    const second = [store('c'), store('d'), store('e')];
    await tick();
    expect(calls.map((c) => c.ids)).toEqual([['a', 'b']]);
    calls[0]!.resolve();
    await Promise.all(first);
    await tick();
    expect(calls.map((c) => c.ids)).toEqual([['a', 'b'], ['c', 'd']]);
    calls[1]!.resolve();
    await tick();
    expect(calls.map((c) => c.ids)).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    calls[2]!.resolve();
    await Promise.all(second);
    expect(done).toEqual(['a', 'b', 'c', 'd', 'e']);
    await writer.flush();
  });

  it('rejects every store of a failed batch and goes on with the next', async () => {
    const { backend, calls } = manualBackend();
    const writer = createResultWriter(backend, silentLogger);
    const a = writer.store(meta('a'));
    const b = writer.store(meta('b'));
    await tick();
    const c = writer.store(meta('c'));
    calls[0]!.reject(new Error('down'));
    await expect(a).rejects.toThrow('down');
    await expect(b).rejects.toThrow('down');
    await tick();
    calls[1]!.resolve();
    await expect(c).resolves.toBeUndefined();
  });

  it('flush waits for the batches queued so far', async () => {
    const { backend, calls } = manualBackend();
    const writer = createResultWriter(backend, silentLogger);
    void writer.store(meta('a'));
    let flushed = false;
    const flushing = writer.flush().then(() => void (flushed = true));
    await tick();
    expect(flushed).toBe(false);
    calls[0]!.resolve();
    await flushing;
    expect(flushed).toBe(true);
  });
});
