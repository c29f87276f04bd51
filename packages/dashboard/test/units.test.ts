// The dashboard's pure parts: the canvas tree, argument reprs read back for a retry, auth helpers,
// pool names, quantiles and the task update an event makes.
import { describe, expect, it } from 'vitest';
import type { CeleryEvent } from '@celerity/core/internal';
import { isLoopback, parseBasicAuth } from '../src/auth.js';
import { buildCanvasTree } from '../src/canvas-tree.js';
import { poolName } from '../src/poller.js';
import { PythonLiteralError, parsePythonLiteral } from '../src/python-literal.js';
import { quantile } from '../src/store-queries.js';
import { PLACEHOLDER_PAGE, serveUi } from '../src/ui-assets.js';
import { taskUpdateOf } from '../src/task-update.js';
import { isWorkerOnline, mergeWorkerEvent } from '@celerity/core/internal';
import { languageOf } from '../src/worker-record.js';

const t = (id: string, parentId: string | null, groupId: string | null = null) => ({ id, name: `n.${id}`, state: 'SUCCESS', parentId, groupId });

describe('buildCanvasTree', () => {
  it('hangs children under their parent (a chain)', () => {
    const tree = buildCanvasTree('a', [t('a', null), t('b', 'a'), t('c', 'b')]);
    expect(tree).toEqual({ id: 'a', name: 'n.a', state: 'SUCCESS', kind: 'task', children: [{ id: 'b', name: 'n.b', state: 'SUCCESS', kind: 'task', children: [{ id: 'c', name: 'n.c', state: 'SUCCESS', kind: 'task', children: [] }] }] });
  });

  it('puts siblings of one group under a group node', () => {
    const tree = buildCanvasTree('a', [t('a', null), t('m1', 'a', 'g'), t('m2', 'a', 'g'), t('x', 'a')]);
    expect(tree.children.map((c) => [c.kind, c.id, c.children.map((m) => m.id)])).toEqual([
      ['task', 'x', []],
      ['group', 'g', ['m1', 'm2']],
    ]);
  });

  it('shows a chord: its header members, then its body as a callback', () => {
    const tree = buildCanvasTree('a', [t('a', null), t('h1', 'a', 'g'), t('h2', 'a', 'g'), t('body', 'h2'), t('after', 'body')]);
    expect(tree.children).toHaveLength(1);
    const chord = tree.children[0]!;
    expect(chord.kind).toBe('chord');
    expect(chord.id).toBe('g');
    expect(chord.children.map((c) => [c.kind, c.id])).toEqual([['task', 'h1'], ['task', 'h2'], ['callback', 'body']]);
    expect(chord.children[2]!.children.map((c) => c.id)).toEqual(['after']);
    // The body appears once, not under h2 as well.
    expect(chord.children[1]!.children).toEqual([]);
  });

  it('a chord applied on its own (each header member its own root): the chord is the top', () => {
    const tree = buildCanvasTree('h2', [t('h1', null, 'g'), t('h2', null, 'g'), t('body', 'h2')]);
    expect(tree.kind).toBe('chord');
    expect(tree.id).toBe('g');
    expect(tree.children.map((c) => [c.kind, c.id])).toEqual([['task', 'h1'], ['task', 'h2'], ['callback', 'body']]);
  });

  it('without the root stored, tops the known tasks with a group node named by the root id', () => {
    const tree = buildCanvasTree('root', [t('b', 'root'), t('c', 'root')]);
    expect(tree).toMatchObject({ id: 'root', kind: 'group', name: null });
    expect(tree.children.map((c) => c.id)).toEqual(['b', 'c']);
  });
});

describe('parsePythonLiteral', () => {
  it('reads the reprs events carry', () => {
    expect(parsePythonLiteral('(2, 3)')).toEqual([2, 3]);
    expect(parsePythonLiteral('(1,)')).toEqual([1]);
    expect(parsePythonLiteral('()')).toEqual([]);
    expect(parsePythonLiteral("{'x': 'a', 'y': [1, 2.5, None, True, False]}")).toEqual({ x: 'a', y: [1, 2.5, null, true, false] });
    expect(parsePythonLiteral(`('it\\'s', "q\\"", '\\n\\x41\\u00e9')`)).toEqual(["it's", 'q"', '\nAé']);
    expect(parsePythonLiteral('[-1, 1e3]')).toEqual([-1, 1000]);
  });

  it('refuses what is not a literal: an object repr, a repr cut short', () => {
    expect(() => parsePythonLiteral('(<object at 0x1>,)')).toThrow(PythonLiteralError);
    expect(() => parsePythonLiteral("('abc', ...")).toThrow(PythonLiteralError);
    expect(() => parsePythonLiteral("'open")).toThrow('unterminated string');
    expect(() => parsePythonLiteral('(1, 2) x')).toThrow('trailing text');
  });
});

describe('auth helpers', () => {
  it('knows loopback addresses', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', '::ffff:127.0.0.1']) expect(isLoopback(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.1', '192.168.1.2', 'example.com', '']) expect(isLoopback(host)).toBe(false);
  });

  it('reads user:password, the password may hold colons', () => {
    expect(parseBasicAuth('admin:s3:cret')).toEqual({ username: 'admin', password: 's3:cret' });
    expect(() => parseBasicAuth('admin')).toThrow('basic auth must be user:password');
    expect(() => parseBasicAuth(':x')).toThrow('basic auth must be user:password');
  });
});

describe('workers', () => {
  it('names pools as Celery and Celerity report them', () => {
    expect(poolName({ implementation: 'celery.concurrency.prefork:TaskPool' })).toBe('prefork');
    expect(poolName({ implementation: 'celerity:AsyncPool' })).toBe('async');
    expect(poolName({ implementation: 'celerity:ThreadPool' })).toBe('thread');
    // Celery 5.2's pools send no implementation (this solo one as captured from a 5.2 worker).
    expect(poolName({ 'max-concurrency': 1, processes: [32466], 'max-tasks-per-child': null, 'put-guarded-by-semaphore': true, timeouts: [] }, 32466)).toBe('solo');
    expect(poolName({ 'max-concurrency': 2, processes: [101, 102], writes: {} }, 100)).toBe('prefork');
    expect(poolName({ 'max-concurrency': 4, threads: 4 }, 100)).toBe('threads');
    expect(poolName({})).toBeNull();
  });

  it('merges worker events and tells the language from sw_ident', () => {
    const online = mergeWorkerEvent(undefined, { type: 'worker-online', hostname: 'w@h', timestamp: 100, freq: 2, sw_ident: 'py-celery', sw_ver: '5.2.6' } as unknown as CeleryEvent, 100);
    const beat = mergeWorkerEvent(online, { type: 'worker-heartbeat', hostname: 'w@h', timestamp: 102, active: 3, processed: 7, loadavg: [0.5, 0.25, 0.1] } as unknown as CeleryEvent, 102);
    expect(beat).toMatchObject({ hostname: 'w@h', lastSeen: 102, active: 3, processed: 7, loadavg: [0.5, 0.25, 0.1], software: 'py-celery 5.2.6' });
    expect(languageOf(beat.ident)).toBe('python');
    expect(languageOf('celerity')).toBe('typescript');
    expect(isWorkerOnline(beat, 105)).toBe(true);
    expect(isWorkerOnline(beat, 107)).toBe(false);
    const off = mergeWorkerEvent(beat, { type: 'worker-offline', hostname: 'w@h', timestamp: 103 } as unknown as CeleryEvent, 103);
    expect(isWorkerOnline(off, 103)).toBe(false);
  });
});

describe('taskUpdateOf', () => {
  it('takes the fields each event carries; task-sent names a queue, not a worker', () => {
    const sent = taskUpdateOf({ type: 'task-sent', uuid: 'i', name: 'tasks.add', args: '(1, 2)', kwargs: '{}', queue: 'math', root_id: 'r', parent_id: 'p', hostname: 'client@x', timestamp: 5 } as unknown as CeleryEvent, 0)!;
    expect(sent).toMatchObject({ id: 'i', state: 'PENDING', counter: null, rootId: 'r', fields: { name: 'tasks.add', args: '(1, 2)', queue: 'math', rootId: 'r', parentId: 'p' } });
    expect(sent.fields['worker']).toBeUndefined();
    const done = taskUpdateOf({ type: 'task-succeeded', uuid: 'i', result: '3', runtime: 0.25, hostname: 'w@h', timestamp: 6 } as unknown as CeleryEvent, 0)!;
    expect(done).toMatchObject({ state: 'SUCCESS', counter: 'succeeded', runtime: 0.25, fields: { result: '3', runtime: '0.25', worker: 'w@h' } });
    expect(taskUpdateOf({ type: 'worker-heartbeat', hostname: 'w@h', timestamp: 1 } as unknown as CeleryEvent, 0)).toBeNull();
  });

  it("shows the real exception of a Python failure reported as billiard's ExceptionWithTraceback()", () => {
    const traceback = 'Traceback (most recent call last):\n  File "tasks.py", line 9, in fail\n    raise ValueError("boom")\nValueError: boom\n';
    const failed = taskUpdateOf({ type: 'task-failed', uuid: 'i', exception: 'ExceptionWithTraceback()', traceback, hostname: 'py@h', timestamp: 6 } as unknown as CeleryEvent, 0)!;
    expect(failed.fields).toMatchObject({ exception: 'ValueError: boom', traceback });
    const plain = taskUpdateOf({ type: 'task-failed', uuid: 'j', exception: "ValueError('boom')", traceback, hostname: 'w@h', timestamp: 6 } as unknown as CeleryEvent, 0)!;
    expect(plain.fields['exception']).toBe("ValueError('boom')");
  });

  it('quantiles by nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    expect([quantile(values, 0.5), quantile(values, 0.9), quantile(values, 0.99)]).toEqual([50, 90, 99]);
    expect(quantile([], 0.5)).toBe(0);
  });
});

describe('serveUi', () => {
  it('serves a placeholder page when @celerity/dashboard-ui is not installed', async () => {
    const written: { status?: number; headers?: Record<string, string>; body?: unknown } = {};
    const res = {
      writeHead(status: number, headers: Record<string, string>) {
        written.status = status;
        written.headers = headers;
      },
      end(body?: unknown) {
        written.body = body;
      },
    };
    await serveUi(null, '/tasks', res as unknown as import('node:http').ServerResponse, false);
    expect(written).toEqual({ status: 200, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' }, body: PLACEHOLDER_PAGE });
    expect(PLACEHOLDER_PAGE).toContain('@celerity/dashboard-ui');
  });
});
