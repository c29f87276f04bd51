/**
 * The client's result handles against the real Redis result backend (127.0.0.1:6379): pub/sub
 * waits started at send time, failures, timeouts, groups and chord counters. Keys use a unique
 * prefix and a short TTL; every stored result is forgotten at the end.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultBackend } from '@celerity/core';
import { TaskError, TimeoutError, chord, createMemoryBroker, group, signature } from '@celerity/core';
import { createRedisBackend } from '@celerity/backend-redis';
import type { Client } from '@celerity/client';
import { GroupResult, createClient } from '@celerity/client';
import { RecordingBroker, fakeWorker, uniqueName } from './helpers.js';

let broker: RecordingBroker;
let backend: ResultBackend;
let client: Client;
let worker: Awaited<ReturnType<typeof fakeWorker>>;
const stored: string[] = [];

beforeAll(async () => {
  broker = new RecordingBroker(createMemoryBroker({ name: uniqueName() }));
  backend = createRedisBackend({ url: 'redis://127.0.0.1:6379/0', keyPrefix: `celerity-test-${crypto.randomUUID()}:`, expires: 120 });
  client = createClient({ broker, backend });
  worker = await fakeWorker(broker, backend, (m) => {
    stored.push(m.id);
    if (m.task === 'tasks.fail') return { status: 'FAILURE', result: { exc_type: 'ValueError', exc_message: ['boom'], exc_module: 'builtins' }, traceback: 'Traceback…' };
    if (m.task === 'tasks.never') return undefined;
    return { status: 'SUCCESS', result: (m.args as number[]).reduce((a, b) => a + b, 0) };
  });
});

afterAll(async () => {
  await worker.stop();
  await Promise.all(stored.map((id) => backend.forget(id)));
  await client.close();
  await backend.close();
  await broker.close();
});

describe('client results on the Redis backend', () => {
  it('sends ids minted by the backend (one pattern subscription covers them), a given taskId as is', async () => {
    const a = await client.task('tasks.add').delay(1, 2);
    const b = await client.task('tasks.add').applyAsync([3, 4], { taskId: 'chosen-id' });
    const c = await client.task('tasks.add').delay(5, 6);
    expect(a.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(c.id.slice(0, 9)).toBe(a.id.slice(0, 9));
    expect(b.id).toBe('chosen-id');
    expect([await a.get({ timeout: 5 }), await b.get({ timeout: 5 }), await c.get({ timeout: 5 })]).toEqual([3, 7, 11]);
  });

  it('gets a result published through pub/sub', async () => {
    const result = await client.send<[number, number], number>('tasks.add', [20, 22]);
    expect(await result.get({ timeout: 10 })).toBe(42);
    expect(await result.state()).toBe('SUCCESS');
  });

  it('gets many results sent in one batch', async () => {
    const results = await client.sendMany(Array.from({ length: 50 }, (_, i) => ({ task: 'tasks.add', args: [i, 1] })));
    expect(await Promise.all(results.map((r) => r.get({ timeout: 10 })))).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('raises a TaskError for a failure', async () => {
    const result = await client.send('tasks.fail', []);
    const error = await result.get({ timeout: 10 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TaskError);
    expect(error).toMatchObject({ excType: 'ValueError', excMessage: ['boom'], excModule: 'builtins', traceback: 'Traceback…' });
  });

  it('times out with a TimeoutError', async () => {
    const result = await client.send('tasks.never', []);
    await expect(result.get({ timeout: 0.05 })).rejects.toBeInstanceOf(TimeoutError);
  });

  it('saves groups and restores them by id', async () => {
    const g = await client.apply(group([signature('tasks.add', [1, 1]), signature('tasks.add', [2, 2])]));
    expect(g).toBeInstanceOf(GroupResult);
    expect(await g.get({ timeout: 10 })).toEqual([2, 4]);
    const restored = await client.groupResult<number[]>(g.id);
    expect(await restored?.get({ timeout: 10 })).toEqual([2, 4]);
    await backend.forgetGroup(g.id);
  });

  it('initialises the chord counter before sending the header', async () => {
    const result = await client.apply(chord([signature('tasks.never', [1]), signature('tasks.never', [2])], signature('tasks.add')));
    const groupId = broker.messages().find((m) => m.task === 'tasks.never' && m.groupIndex === 0)?.group;
    expect(groupId).toBeTruthy();
    expect((await backend.chordPartReturn(groupId!, { taskId: 'a', index: 0, status: 'SUCCESS', result: 1 })).complete).toBe(false);
    const done = await backend.chordPartReturn(groupId!, { taskId: 'b', index: 1, status: 'SUCCESS', result: 2 });
    expect(done).toEqual({ complete: true, parts: [expect.objectContaining({ result: 1 }), expect.objectContaining({ result: 2 })] });
    expect(typeof result.id).toBe('string');
  });
});
