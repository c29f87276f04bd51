/**
 * Celery's built-in canvas tasks and `Task.replace` across languages, on one Redis, against Python
 * Celery 5.2 and 5.5: a Python client's map / starmap / chunks run on a Celerity worker and
 * Celerity's on a Python worker; a Python task replaces itself with a task only Celerity has and
 * the other way round, with a group too (Celery's chord onto `celery.accumulate`) inside a chain, and
 * as a chord member counted once.
 */
import { describe, expect, it } from 'vitest';
import type { SignatureData } from '@celerity/core';
import { chain, chord, chunks, chunksGroup, defineTask, group, map, signature, starmap } from '@celerity/core';
import type { PythonCeleryVersion } from './harness/python.js';
import { PYTHON_CELERY_VERSIONS, isAvailable, pythonCeleryStatus, runPythonClient, sendFromPython } from './harness/python.js';
import { useRedisFleet } from './harness/fleet.js';
import * as interopTasks from './ts-tasks.js';

const status = pythonCeleryStatus();
/** Only the Celerity worker has this task. */
const triple = defineTask({ name: 'ts.triple', params: ['x'] }, (x: number) => x * 3);
const on = (sig: SignatureData, queue: string): SignatureData => ({ ...sig, options: { ...sig.options, queue } });

function scenarios(version: PythonCeleryVersion): void {
  const fleet = useRedisFleet(version, { tsWorker: { tasks: { ...interopTasks, triple }, concurrency: 4 }, client: ({ tsQueue }) => ({ config: { taskDefaultQueue: tsQueue } }) });

  const applyFromPython = (canvas: unknown, queue: string) => runPythonClient(version, ['apply', JSON.stringify(canvas), '--timeout', '30'], { ...fleet.env, QUEUE: queue });

  it("a Python client's map, starmap and chunks run on a Celerity worker", async () => {
    const { tsQueue } = fleet;
    expect(await applyFromPython({ map: { task: { task: 'tasks.echo' }, it: [1, 'two', null] } }, tsQueue)).toMatchObject({ state: 'SUCCESS', result: [1, 'two', null] });
    expect(await applyFromPython({ starmap: { task: { task: 'tasks.add' }, it: [[1, 2], [3, 4]] } }, tsQueue)).toMatchObject({ state: 'SUCCESS', result: [3, 7] });
    // A map step inside a Python chain: the next step gets the list.
    expect(await applyFromPython({ chain: [{ map: { task: { task: 'tasks.echo' }, it: [4, 5] } }, { task: 'tasks.echo' }] }, tsQueue)).toMatchObject({ state: 'SUCCESS', result: [4, 5] });
    // Celery sends chunks as its group of celery.starmap tasks.
    expect(await applyFromPython({ chunks: { task: { task: 'tasks.add' }, it: [[1, 1], [2, 2], [3, 3]], n: 2 } }, tsQueue)).toMatchObject({ state: 'SUCCESS', result: [[2, 4], [6]] });
    // A celery.chunks message itself (as inside a chain): the Celerity worker replaces it with that group.
    expect(await applyFromPython({ task: 'celery.chunks', kwargs: chunks('tasks.add', [[1, 1], [2, 2], [3, 3]], 2).kwargs }, tsQueue)).toMatchObject({ state: 'SUCCESS', result: [[2, 4], [6]] });
  });

  it("a Python worker runs Celerity's map, starmap and chunks", async () => {
    const { pyQueue, client } = fleet;
    expect(await (await client.apply(on(map('tasks.echo', [1, 'two']), pyQueue))).get({ timeout: 30 })).toEqual([1, 'two']);
    expect(await (await client.apply(on(starmap('tasks.add', [[1, 2], [3, 4]]), pyQueue))).get({ timeout: 30 })).toEqual([3, 7]);
    expect(await (await client.apply(on(chunksGroup(chunks('tasks.add', [[1, 1], [2, 2], [3, 3]], 2)), pyQueue))).get({ timeout: 30 })).toEqual([[2, 4], [6]]);
  });

  it('a Python task replaces itself with a task only Celerity has, and a Celerity task with one only Python has', async () => {
    const { env, tsQueue, pyQueue, client } = fleet;
    const fromTs = await client.apply(on(interopTasks.replaceWith.s(on(triple.s(5), tsQueue)), pyQueue));
    expect(await fromTs.get({ timeout: 30 })).toBe(15);
    const fromPython = await sendFromPython(version, 'tasks.replace_with', [on(signature('tasks.py_negate', [7]), pyQueue)], { queue: tsQueue }, env);
    expect(fromPython).toMatchObject({ state: 'SUCCESS', result: -7, id: expect.any(String) });
  });

  it('replaces a chain step with a group of the other language: the next step gets the list', async () => {
    const { tsQueue, pyQueue, client } = fleet;
    // Python replaces with chord(group of Celerity tasks, celery.accumulate), then tasks.echo runs on Celerity.
    const pyReplaced = chain(on(interopTasks.replaceWith.s(group([on(triple.s(1), tsQueue), on(triple.s(2), tsQueue)])), pyQueue), on(interopTasks.echo.s(), tsQueue));
    expect(await (await client.apply(pyReplaced)).get({ timeout: 30 })).toEqual([3, 6]);
    // Celerity replaces with the same uplift over Python-only tasks, then tasks.echo runs on Python.
    const negations = group([on(signature('tasks.py_negate', [1]), pyQueue), on(signature('tasks.py_negate', [2]), pyQueue)]);
    const tsReplaced = { chain: [{ task: 'tasks.replace_with', args: [negations], options: { queue: tsQueue } }, { task: 'tasks.echo', options: { queue: pyQueue } }] };
    expect(await applyFromPython(tsReplaced, pyQueue)).toMatchObject({ state: 'SUCCESS', result: [-1, -2] });
  });

  it('counts a chord member replaced by a task of the other language once', async () => {
    const { tsQueue, pyQueue, client } = fleet;
    // A Python client's chord: a Python member replaces itself with a Celerity task, whose result is counted in its place.
    const pyChord = {
      chord: {
        header: [
          { task: 'tasks.replace_with', args: [on(triple.s(2), tsQueue)], options: { queue: pyQueue } },
          { task: 'tasks.add', args: [1, 1], options: { queue: tsQueue } },
        ],
        body: { task: 'tasks.echo', options: { queue: tsQueue } },
      },
    };
    expect(await applyFromPython(pyChord, pyQueue)).toMatchObject({ state: 'SUCCESS', result: [6, 2] });
    // A Celerity client's chord: a Celerity member replaces itself with a Python-only task; the body runs on Python.
    const tsChord = chord([on(interopTasks.replaceWith.s(on(signature('tasks.py_negate', [3]), pyQueue)), tsQueue), on(interopTasks.add.s(2, 2), pyQueue)], on(interopTasks.echo.s(), pyQueue));
    expect(await (await client.apply(tsChord)).get({ timeout: 30 })).toEqual([-3, 4]);
  });
}

for (const version of PYTHON_CELERY_VERSIONS) {
  const entry = status[version];
  if (isAvailable(entry)) describe(`Python Celery ${entry.celery} ↔ Celerity: map / starmap / chunks and replace`, () => scenarios(version));
  else describe.skip(`Python Celery ${version}: ${entry.unavailable}`, () => it('is unavailable', () => {}));
}
