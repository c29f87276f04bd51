/** rpc:// state messages against `rpc_backend_results.json`, their correlation id, and the state cache. */
import { createJsonSerializer, DecodeError, TimeoutError } from '@celerity/core';
import type { ResultMeta } from '@celerity/core';
import { describe, expect, it } from 'vitest';
import { decodeResultMessage, encodeResultBody, replacesState, resultPublishOptions } from '../src/rpc-codec.js';
import { ResultStates } from '../src/rpc-states.js';
import { loadFixture } from './vectors.js';

interface RpcItem {
  routing_key: string;
  properties: Record<string, unknown>;
  headers: Record<string, unknown>;
  body_b64: string;
  body: Record<string, unknown>;
}
const items = loadFixture('rpc_backend_results.json')['items'] as RpcItem[];
const json = createJsonSerializer();
const serializerFor = (contentType: string) => (contentType === json.contentType ? json : undefined);

function meta(taskId: string, status: string, result: unknown, extra: Partial<ResultMeta> = {}): ResultMeta {
  return { status, result, traceback: null, children: [], date_done: null, task_id: taskId, ...extra };
}

describe('rpc:// messages', () => {
  it('decodes what a Celery worker sent', () => {
    const decoded = items.map((item) =>
      decodeResultMessage({ content: Buffer.from(item.body_b64, 'base64'), properties: { contentType: item.properties['content_type'], correlationId: item.properties['correlation_id'] } as never }, serializerFor),
    );
    expect(decoded.map((m) => [m.task_id, m.status])).toEqual(items.map((i) => [i.properties['correlation_id'], i.body['status']]));
    expect(decoded[1]).toEqual({ status: 'SUCCESS', result: 3, traceback: null, children: [], date_done: null, task_id: items[1]?.body['task_id'] });
    expect(decoded[3]?.result).toEqual({ exc_type: 'ValueError', exc_message: ['bad'], exc_module: 'builtins' });
    expect(decoded[3]?.traceback).toMatch(/ValueError: bad/);
  });

  it("encodes Celery's five keys in Celery's order, with the same properties", () => {
    for (const item of items) {
      const body = item.body;
      const ours = encodeResultBody(meta(body['task_id'] as string, body['status'] as string, body['result'], { traceback: body['traceback'] as string | null }));
      expect(Object.keys(ours)).toEqual(Object.keys(body));
      expect(ours).toEqual(body);
      const options = resultPublishOptions(meta(body['task_id'] as string, 'SUCCESS', 1), json, false);
      expect({
        correlation_id: options.correlationId,
        priority: options.priority,
        delivery_mode: options.deliveryMode,
        content_encoding: options.contentEncoding,
        content_type: options.contentType,
      }).toEqual({ ...item.properties, correlation_id: body['task_id'] });
      expect(options.headers).toEqual(item.headers);
    }
    expect(resultPublishOptions(meta('x', 'SUCCESS', 1), json, true).deliveryMode).toBe(2);
  });

  it("sends the request's correlation id, else the task id (Celery: request.correlation_id or task_id)", () => {
    expect(resultPublishOptions(meta('x', 'SUCCESS', 1), json, false, 'from-the-message').correlationId).toBe('from-the-message');
    expect(resultPublishOptions(meta('x', 'SUCCESS', 1), json, false, '').correlationId).toBe('x');
    expect(resultPublishOptions(meta('x', 'SUCCESS', 1), json, false).correlationId).toBe('x');
  });

  it('adds date_done and the optional record fields after the five, and reads them back', () => {
    const full = meta('t', 'SUCCESS', [1], { date_done: '2026-01-02T03:04:05.678901+00:00', group_id: 'g', parent_id: 'p', name: 'tasks.add', args: [1], kwargs: {}, worker: 'w', retries: 1, queue: 'celery' });
    const body = encodeResultBody(full);
    expect(Object.keys(body)).toEqual(['task_id', 'status', 'result', 'traceback', 'children', 'date_done', 'group_id', 'parent_id', 'name', 'args', 'kwargs', 'worker', 'retries', 'queue']);
    const back = decodeResultMessage({ content: Buffer.from(json.encode(body)), properties: { contentType: 'application/json' } as never }, serializerFor);
    expect(back).toEqual(full);
  });

  it('rejects bodies that are not state records', () => {
    const read = (text: string, contentType = 'application/json') => decodeResultMessage({ content: Buffer.from(text), properties: { contentType } as never }, serializerFor);
    expect(() => read('[1]')).toThrow(DecodeError);
    expect(() => read('{"status": "SUCCESS"}')).toThrow(/task id/);
    expect(() => read('{"task_id": "x"}')).toThrow(/status/);
    expect(() => read('{}', 'application/x-yaml')).toThrow(/content type/);
  });

  it('never lets a later state hide SUCCESS or a ready state', () => {
    expect(replacesState(meta('t', 'SUCCESS', 1), meta('t', 'FAILURE', null))).toBe(false);
    expect(replacesState(meta('t', 'FAILURE', null), meta('t', 'STARTED', null))).toBe(false);
    expect(replacesState(meta('t', 'FAILURE', null), meta('t', 'SUCCESS', 1))).toBe(true);
    expect(replacesState(meta('t', 'STARTED', null), meta('t', 'PROGRESS', 1))).toBe(true);
    expect(replacesState(undefined, meta('t', 'PENDING', null))).toBe(true);
  });
});

describe('ResultStates', () => {
  it('keeps states for later waits and returns copies', async () => {
    const states = new ResultStates(10);
    states.receive(meta('a', 'SUCCESS', { list: [1] }));
    const first = await states.wait('a');
    (first.result as { list: number[] }).list.push(2);
    expect(states.get('a')?.result).toEqual({ list: [1] });
  });

  it('reports progress through onState and resolves on the ready state', async () => {
    const states = new ResultStates(10);
    const seen: string[] = [];
    const waiting = states.wait('a', { onState: (m) => void seen.push(m.status) });
    states.receive(meta('a', 'STARTED', null));
    states.receive(meta('a', 'PROGRESS', 1));
    states.receive(meta('a', 'SUCCESS', 2));
    expect((await waiting).result).toBe(2);
    expect(seen).toEqual(['STARTED', 'PROGRESS']);
  });

  it('times out, aborts and fails waiters', async () => {
    const states = new ResultStates(10);
    await expect(states.wait('a', { timeout: 0.005 })).rejects.toBeInstanceOf(TimeoutError);
    const reason = new Error('stop');
    await expect(states.wait('a', { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
    const waiting = states.wait('b');
    states.failAll(new Error('closed'));
    await expect(waiting).rejects.toThrow('closed');
    expect(states.waitedIds()).toEqual([]);
  });

  it('drops the oldest states beyond its bound, but not those waited for', async () => {
    const states = new ResultStates(2);
    const waiting = states.wait('kept');
    states.receive(meta('kept', 'STARTED', null));
    states.receive(meta('b', 'SUCCESS', 1));
    states.receive(meta('c', 'SUCCESS', 1));
    states.receive(meta('d', 'SUCCESS', 1));
    expect(states.get('kept')?.status).toBe('STARTED');
    expect(states.get('b')).toBeNull();
    expect(states.get('d')?.status).toBe('SUCCESS');
    states.receive(meta('kept', 'SUCCESS', 5));
    expect((await waiting).result).toBe(5);
  });
});
