/**
 * Our encoding of the same call Celery made, compared field by field with the captured message.
 * Excepted, as the capture's README says: `origin` and `lang` (producer-specific); eta/expires are
 * compared as instants (Python drops a zero fraction, we always write 6 digits).
 */
import { describe, expect, it } from 'vitest';
import { encodeTaskMessage, type Envelope, type TaskMessageInit } from '@celerity/core';
import { createJsonSerializer, parseCeleryJson } from '../../src/serializers/json.js';
import { capturedDate, tupleReprAsList, vectorMessages, type VectorMessage } from './vector-helpers.js';

const serializer = createJsonSerializer();
const EXCEPTED = new Set(['lang', 'origin']);
/** Headers Celery 5.3+ adds (appendix §2.1), absent from the 5.2 capture. */
const NEW_IN_5_3 = { replaced_task_nesting: 0, stamped_headers: null, stamps: {} };

type Embed = NonNullable<TaskMessageInit['embed']>;

/** What the Python call was, restated as a TaskMessageInit (ids and reply_to taken from the capture). */
function initFor(v: VectorMessage, extra: Partial<TaskMessageInit>): TaskMessageInit {
  const h = v.headers;
  const [args, kwargs, embed] = v.body as [unknown[], Record<string, unknown>, Embed];
  return {
    task: h['task'] as string,
    id: h['id'] as string,
    args,
    kwargs,
    embed,
    // Python sends the task's own attribute; a TS client sends it only when set, so we set it.
    ignoreResult: h['ignore_result'] as boolean,
    replyTo: v.properties['reply_to'] as string,
    ...extra,
  };
}

function expectSameMessage(ours: Envelope, v: VectorMessage, opts: { argsreprAsTuple?: boolean } = {}): void {
  const theirs = v.headers;
  const keys = Object.keys(theirs).filter((k) => !EXCEPTED.has(k));
  // Same keys in the same order, then the 5.3 additions.
  expect(Object.keys(ours.headers).filter((k) => !EXCEPTED.has(k) && !(k in NEW_IN_5_3))).toEqual(keys);
  expect(ours.headers).toMatchObject(NEW_IN_5_3);
  expect(ours.headers['lang']).toBe('js');
  for (const key of keys) {
    const value = theirs[key];
    if (key === 'eta' || key === 'expires') {
      expect(capturedDate(ours.headers[key]), key).toEqual(capturedDate(value));
    } else if (key === 'argsrepr' && opts.argsreprAsTuple !== false) {
      expect(ours.headers[key], key).toBe(tupleReprAsList(value as string));
    } else {
      expect(ours.headers[key], key).toEqual(value);
    }
  }
  const p = v.properties;
  expect(ours.properties.correlationId).toBe(p['correlation_id']);
  expect(ours.properties.replyTo).toBe(p['reply_to']);
  expect(ours.properties.deliveryMode).toBe(p['delivery_mode']);
  if (p['priority'] !== undefined) expect(ours.properties.priority).toBe(p['priority']);
  expect(ours.properties.expiration).toBe(p['expiration']);
  expect(ours.contentType).toBe('application/json');
  expect(ours.contentEncoding).toBe('utf-8');
  const decodedBody = parseCeleryJson(new TextDecoder().decode(ours.body));
  expect(decodedBody).toEqual(v.body);
}

const first = (file: string): VectorMessage => vectorMessages(file)[0]!;

describe.each(['redis', 'amqp'])('encodeTaskMessage matches Celery 5.2 (%s captures)', (broker) => {
  const at = (name: string): VectorMessage => first(`${broker}/${name}.json`);

  it("add.apply_async((2,), {'y': 3})", () => {
    const v = at('task_apply_async_json');
    expectSameMessage(encodeTaskMessage(initFor(v, {}), { serializer }), v);
    expect(encodeTaskMessage(initFor(v, {}), { serializer }).headers['argsrepr']).toBe('[2]');
  });

  it('countdown → eta', () => {
    const v = at('task_countdown');
    expectSameMessage(encodeTaskMessage(initFor(v, { eta: capturedDate(v.headers['eta']) }), { serializer }), v);
  });

  it.each(['task_eta_aware', 'task_eta_naive'])('%s', (name) => {
    const v = at(name);
    expectSameMessage(encodeTaskMessage(initFor(v, { eta: new Date(Date.UTC(2030, 0, 1, 12)) }), { serializer }), v);
  });

  it.each(['task_expires_seconds', 'task_expires_datetime'])('%s → expires header + expiration ms', (name) => {
    const v = at(name);
    const expires = capturedDate(v.headers['expires'])!;
    // The clock seam: "now" is the instant Python computed expiration from.
    const now = (): number => expires.getTime() - Number(v.properties['expiration']);
    expectSameMessage(encodeTaskMessage(initFor(v, { expires }), { serializer, now }), v);
  });

  it('priorities', () => {
    for (const v of vectorMessages(`${broker}/task_priorities.json`)) {
      const priority = v.properties['priority'] as number;
      expectSameMessage(encodeTaskMessage(initFor(v, { priority }), { serializer }), v);
    }
  });

  it('time limits, shadow, ignore_result, custom header, task_id', () => {
    const v = at('task_options_misc');
    const init = initFor(v, { timeLimit: [30, 20], shadow: 'add-shadow-name', headers: { 'x-custom': 'hello' } });
    expect(init.ignoreResult).toBe(true);
    expectSameMessage(encodeTaskMessage(init, { serializer }), v);
  });

  it("send_task by name (argsrepr '[4, 5]' exactly)", () => {
    const v = at('task_send_task_by_name');
    const ours = encodeTaskMessage(initFor(v, {}), { serializer });
    expect(ours.headers['argsrepr']).toBe('[4, 5]');
    expectSameMessage(ours, v);
  });

  it('rich args (unicode, nested, big int; saferepr elision)', () => {
    const v = at('task_rich_args_json');
    expectSameMessage(encodeTaskMessage(initFor(v, {}), { serializer }), v);
  });

  it.each(['canvas_link', 'canvas_link_error', 'canvas_chain', 'canvas_chain_immutable'])('%s (embed)', (name) => {
    const v = at(name);
    expectSameMessage(encodeTaskMessage(initFor(v, {}), { serializer }), v);
  });

  it.each(['canvas_group', 'canvas_chord'])('%s members (group, group_index, chord body)', (name) => {
    for (const v of vectorMessages(`${broker}/${name}.json`)) {
      const init = initFor(v, { group: v.headers['group'] as string, groupIndex: v.headers['group_index'] as number | null });
      expectSameMessage(encodeTaskMessage(init, { serializer }), v);
    }
  });

  it('worker re-publish on retry (retries, eta, parent_id)', () => {
    const v = vectorMessages(`${broker}/task_retry_republish.json`)[1]!;
    const init = initFor(v, { retries: 1, eta: capturedDate(v.headers['eta']), parentId: v.headers['id'] as string });
    expectSameMessage(encodeTaskMessage(init, { serializer }), v);
  });

  it('worker publishes the next chain step (parent_id, root_id, chain [])', () => {
    const v = vectorMessages(`${broker}/canvas_chain_worker_publishes.json`)[2]!;
    const init = initFor(v, { rootId: v.headers['root_id'] as string, parentId: v.headers['parent_id'] as string });
    expectSameMessage(encodeTaskMessage(init, { serializer }), v);
  });
});

describe('encodeTaskMessage headers', () => {
  it('omits ignore_result unless set and writes the 5.3+ headers', () => {
    const env = encodeTaskMessage({ task: 't', id: 'i' }, { serializer });
    expect(Object.keys(env.headers)).toEqual([
      'lang', 'task', 'id', 'shadow', 'eta', 'expires', 'group', 'group_index', 'retries', 'timelimit', 'root_id',
      'parent_id', 'argsrepr', 'kwargsrepr', 'origin', 'replaced_task_nesting', 'stamped_headers', 'stamps',
    ]);
    expect(env.headers).toMatchObject({ root_id: 'i', argsrepr: '[]', kwargsrepr: '{}', stamped_headers: null, stamps: {} });
    expect(env.headers['origin']).toMatch(/^gen\d+@/);
    expect(env.properties).toEqual({ correlationId: 'i', deliveryMode: 2, priority: 0 });
    expect(encodeTaskMessage({ task: 't', id: 'i', ignoreResult: false }, { serializer }).headers['ignore_result']).toBe(false);
    expect(encodeTaskMessage({ task: 't', id: 'i', ignoreResult: null }, { serializer }).headers).not.toHaveProperty('ignore_result');
  });

  it('writes stamps with a consistent stamped_headers list', () => {
    const env = encodeTaskMessage({ task: 't', id: 'i', stamps: { monitoring_id: 'm-1' } }, { serializer });
    expect(env.headers['stamped_headers']).toEqual(['monitoring_id']);
    expect(env.headers['stamps']).toEqual({ monitoring_id: 'm-1' });
  });

  it('writes eta with 6 fraction digits and +00:00; past expires gives expiration "0"', () => {
    const eta = new Date(Date.UTC(2026, 10, 23, 18, 46, 42, 215));
    const expires = new Date(1_000);
    const env = encodeTaskMessage({ task: 't', id: 'i', eta, expires }, { serializer, now: () => 5_000 });
    expect(env.headers['eta']).toBe('2026-11-23T18:46:42.215000+00:00');
    expect(env.properties.expiration).toBe('0');
    expect(encodeTaskMessage({ task: 't', id: 'i', expirationMs: 1500.7 }, { serializer }).properties.expiration).toBe('1500');
  });

  it('rejects an empty task name or id, a bad date, args / kwargs of the wrong shape', async () => {
    const { EncodeError } = await import('@celerity/core');
    expect(() => encodeTaskMessage({ task: '', id: 'i' }, { serializer })).toThrow(EncodeError);
    expect(() => encodeTaskMessage({ task: 't', id: '' }, { serializer })).toThrow(EncodeError);
    expect(() => encodeTaskMessage({ task: 't', id: 'i', eta: new Date(Number.NaN) }, { serializer })).toThrow(EncodeError);
    expect(() => encodeTaskMessage({ task: 't', id: 'i', args: { 0: 1 } as unknown as unknown[] }, { serializer })).toThrow(/args/);
    expect(() => encodeTaskMessage({ task: 't', id: 'i', kwargs: [] as unknown as Record<string, unknown> }, { serializer })).toThrow(/kwargs/);
  });
});
