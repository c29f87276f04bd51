import { randomSuffix } from '@celerity/testing';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Logger, ResultBackend, ResultMeta } from '../../src/index.js';
import { ClosedError, ConfigurationError, EncodeError, createMemoryBackend } from '../../src/index.js';

const meta = (taskId: string, status: string, result: unknown): ResultMeta => ({
  status,
  result,
  traceback: null,
  children: [],
  date_done: null,
  task_id: taskId,
});

const open: ResultBackend[] = [];
const make = (...args: Parameters<typeof createMemoryBackend>): ResultBackend => {
  const backend = createMemoryBackend(...args);
  open.push(backend);
  return backend;
};
afterEach(async () => {
  vi.useRealTimers();
  for (const backend of open.splice(0)) await backend.close();
});

describe('memory result backend', () => {
  it('shares results between backends of the same name, and only those', async () => {
    const name = `res-${randomSuffix()}`;
    const [a, b, other] = [make({ name }), make({ name }), make({ name: `${name}-x` })];
    await a.store(meta('t1', 'SUCCESS', 1));
    expect((await b.get('t1'))?.result).toBe(1);
    expect(await other.get('t1')).toBeNull();
    await b.saveGroup('g', ['t1']);
    expect(await a.getGroup('g')).toEqual(['t1']);
  });

  it('forgets results and groups after `expires`', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const backend = make({ name: `exp-${randomSuffix()}`, expires: 60_000 });
    await backend.store(meta('t', 'SUCCESS', 1));
    await backend.saveGroup('g', ['t']);
    vi.setSystemTime(Date.now() + 59_000);
    expect(await backend.get('t')).not.toBeNull();
    vi.setSystemTime(Date.now() + 2_000);
    expect(await backend.get('t')).toBeNull();
    expect(await backend.getGroup('g')).toBeNull();
    expect(() => createMemoryBackend({ expires: -1 })).toThrow(ConfigurationError);
  });

  it('close ends pending waits of that instance with ClosedError, not those of others', async () => {
    const name = `close-${randomSuffix()}`;
    const [closing, staying] = [make({ name }), make({ name })];
    const dropped = closing.wait('t');
    const kept = staying.wait('t');
    await closing.close();
    await expect(dropped).rejects.toBeInstanceOf(ClosedError);
    await staying.store(meta('t', 'SUCCESS', 'ok'));
    expect((await kept).result).toBe('ok');
    await expect(closing.wait('t')).rejects.toBeInstanceOf(ClosedError);
  });

  it('reports the current non-ready state at wait start, and logs a throwing onState', async () => {
    const errors: string[] = [];
    const logger: Logger = { debug() {}, info() {}, warn() {}, error: (m) => void errors.push(m) };
    const backend = make({ name: `state-${randomSuffix()}`, logger });
    await backend.store(meta('t', 'STARTED', { pid: 1 }));
    const states: string[] = [];
    const waiting = backend.wait('t', {
      onState: (m) => {
        states.push(m.status);
        if (m.status === 'PROGRESS') throw new Error('callback bug');
      },
    });
    await backend.store(meta('t', 'PROGRESS', { done: 1 }));
    await backend.store(meta('t', 'SUCCESS', 2));
    expect((await waiting).result).toBe(2);
    expect(states).toEqual(['STARTED', 'PROGRESS']);
    expect(errors).toHaveLength(1);
  });

  it('refuses values it cannot copy and chord parts for an unknown chord', async () => {
    const backend = make({ name: `bad-${randomSuffix()}` });
    await expect(backend.store(meta('t', 'SUCCESS', () => 1))).rejects.toBeInstanceOf(EncodeError);
    expect(await backend.get('t')).toBeNull();
    await expect(backend.chordPartReturn('nope', { taskId: 't', index: 0, status: 'SUCCESS', result: 1 })).rejects.toMatchObject({
      code: 'CHORD_NOT_FOUND',
    });
  });

  it('reports its name and capabilities', () => {
    const backend = make();
    expect(backend.name).toBe('memory');
    expect(backend.capabilities).toEqual({ persistent: true, replyQueue: false, chords: true });
  });
});
