/**
 * Canvas messages compared field by field with what Celery 5.2 put on the wire: the client side
 * (chain, group, chord, link, link_error, nested canvas) and the worker side (next chain step,
 * callback, errback, chord body). Ids are compared by position (every uuid is numbered in order
 * of appearance on both sides), so a wrong link between two ids still fails. Excepted, as in the
 * encode vector tests: `lang`, `origin`, the 5.3 headers, and `ignore_result` (sent by Python
 * from the task attribute; we omit it unless set, appendix §2.4). `argsrepr` is our list form.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CanvasSink, Envelope, ResolvedSend, SignatureData, TaskMessage } from '@celerity/core';
import { applySignature, chain, chord, createMemoryBackend, decodeTaskMessage, encodeTaskMessage, group, immutable, signature } from '@celerity/core';
import { errbackFollowups, recordChordPart, successFollowups } from '@celerity/core/internal';
import { createJsonSerializer, parseCeleryJson } from '../src/serializers/json.js';
import { createSerializerRegistry } from '../src/serializer.js';
import { canonical, tupleReprAsList, vectorMessages } from './protocol/vector-helpers.js';
import type { VectorMessage } from './protocol/vector-helpers.js';

const serializer = createJsonSerializer();
const registry = createSerializerRegistry([serializer]);
const EXCEPTED = new Set(['lang', 'origin', 'ignore_result', 'replaced_task_nesting', 'stamped_headers', 'stamps']);

const add = (...args: unknown[]) => signature('tasks.add', args);
const mul = (...args: unknown[]) => signature('tasks.mul', args);
const xsum = () => signature('tasks.xsum');

/** Headers, reply properties and body of a message, comparable across runs. */
interface Wire {
  headers: Record<string, unknown>;
  properties: { correlation_id: unknown; reply_to: unknown };
  body: unknown;
}

function ourWire(envelope: Envelope): Wire {
  const headers = Object.fromEntries(Object.entries(envelope.headers).filter(([k]) => !EXCEPTED.has(k)));
  return {
    headers,
    properties: { correlation_id: envelope.properties.correlationId, reply_to: envelope.properties.replyTo },
    body: parseCeleryJson(new TextDecoder().decode(envelope.body)),
  };
}

function theirWire(v: Pick<VectorMessage, 'headers' | 'properties' | 'body'>): Wire {
  const headers = Object.fromEntries(Object.entries(v.headers).filter(([k]) => !EXCEPTED.has(k)));
  headers['argsrepr'] = tupleReprAsList(headers['argsrepr'] as string);
  return { headers, properties: { correlation_id: v.properties['correlation_id'], reply_to: v.properties['reply_to'] }, body: v.body };
}

function expectSameWire(ours: Wire[], theirs: Wire[]): void {
  expect(canonical(ours)).toEqual(canonical(theirs));
}

/** A sink that records encoded messages and chord header counts. */
function recordingSink(): { sink: CanvasSink; sent: ResolvedSend[]; envelopes: Envelope[]; chords: Array<[string, number]> } {
  const sent: ResolvedSend[] = [];
  const envelopes: Envelope[] = [];
  const chords: Array<[string, number]> = [];
  const sink: CanvasSink = {
    publish: async (messages) => {
      sent.push(...messages);
      envelopes.push(...messages.map((m) => encodeTaskMessage(m.init, { serializer })));
    },
    chordInit: async (groupId, size) => void chords.push([groupId, size]),
  };
  return { sink, sent, envelopes, chords };
}

const replyToOf = (v: VectorMessage): string => v.properties['reply_to'] as string;
const decoded = (v: VectorMessage): TaskMessage => decodeTaskMessage(v.envelope, { serializers: registry });

describe('client side: what applying a signature sends (redis/canvas_*.json)', () => {
  async function sends(sig: SignatureData, file: string) {
    const theirs = vectorMessages(`redis/${file}.json`);
    const rec = recordingSink();
    const applied = await applySignature(sig, rec.sink, { replyTo: replyToOf(theirs[0]!) });
    expectSameWire(rec.envelopes.map(ourWire), theirs.map(theirWire));
    return { ...rec, applied, theirs };
  }

  it('chain: the first task carries the rest reversed, ids and reply_to frozen', async () => {
    const { applied, sent } = await sends(chain(add(1, 2), add(3), mul(4)), 'canvas_chain');
    // The chain's result is its last task, the first of embed.chain.
    expect(applied).toEqual({ kind: 'task', id: sent[0]!.init.embed!.chain![0]!.options['task_id'], memberIds: [applied.id] });
  });

  it('chain of immutable signatures', async () => {
    await sends(chain(immutable(add(1, 2)), immutable(add(5, 5))), 'canvas_chain_immutable');
  });

  it('group: one message per member, group header, group_index null', async () => {
    const { applied, sent } = await sends(group([add(1, 1), add(2, 2)]), 'canvas_group');
    expect(applied).toEqual({ kind: 'group', id: sent[0]!.init.group, memberIds: sent.map((s) => s.init.id) });
  });

  it('chord: header size first, then header tasks with group_index and the body', async () => {
    const { applied, chords, sent } = await sends(chord([add(1, 1), add(2, 2)], xsum()), 'canvas_chord');
    expect(chords).toEqual([[sent[0]!.init.group, 2]]);
    expect(applied.id).toBe(sent[0]!.init.embed!.chord!.options['task_id']);
  });

  it('link: embed.callbacks', async () => {
    await sends({ ...add(1, 2), options: { link: mul(10) } }, 'canvas_link');
  });

  it('link_error: embed.errbacks', async () => {
    await sends({ ...signature('tasks.fail', ['boom']), options: { link_error: [signature('tasks.on_error'), signature('tasks.on_error_old')] } }, 'canvas_link_error');
  });

  it('nested: a group callback, and group | task inside a chain upgraded to a chord', async () => {
    const theirs = vectorMessages('redis/canvas_nested_signatures.json');
    const rec = recordingSink();
    const options = { replyTo: replyToOf(theirs[0]!) };
    await applySignature({ ...add(1, 1), options: { link: group([mul(2), mul(3)]) } }, rec.sink, options);
    await applySignature(chain(add(1, 1), group([mul(2), mul(3)]), xsum()), rec.sink, options);
    const expected = theirs.map(theirWire);
    // Celery's group.freeze also writes `root_id: null, parent_id: null` into the embedded header's options; so do we.
    const header = ((expected[1]!.body as [unknown, unknown, { chain: SignatureData[] }])[2].chain[0]!.kwargs['header'] as SignatureData).options;
    expect(header).toMatchObject({ root_id: null, parent_id: null });
    expectSameWire(rec.envelopes.map(ourWire), expected);
  });
});

describe('worker side: what a finished task sends next', () => {
  async function followups(sigs: SignatureData[], replyTo: string): Promise<Wire[]> {
    const rec = recordingSink();
    for (const sig of sigs) await applySignature(sig, rec.sink, { replyTo });
    return rec.envelopes.map(ourWire);
  }

  it('next chain steps: result prepended, chain popped, last link gets [] (canvas_chain_worker_publishes.json)', async () => {
    const [first, second, third] = vectorMessages('redis/canvas_chain_worker_publishes.json');
    const replyTo = replyToOf(first!);
    expectSameWire(await followups(successFollowups(decoded(first!), 3), replyTo), [theirWire(second!)]);
    expectSameWire(await followups(successFollowups(decoded(second!), 6), replyTo), [theirWire(third!)]);
    expect(successFollowups(decoded(third!), 24)).toEqual([]);
  });

  it('a callback: result prepended, parent and root ids set (canvas_link_callback_publish.json)', async () => {
    const [parent, callback] = vectorMessages('redis/canvas_link_callback_publish.json');
    // Celery's worker replies to its own app id; give the same reply_to to compare the rest.
    expectSameWire(await followups(successFollowups(decoded(parent!), 3), replyToOf(callback!)), [theirWire(callback!)]);
  });

  it('an old-style errback: a one-task group with the failed id (canvas_link_error_errback_publish.json)', async () => {
    const [failed, errback] = vectorMessages('redis/canvas_link_error_errback_publish.json');
    const message = decoded(failed!);
    // The new-style errback (request, exc, traceback) ran inline in Python: only the old one is sent.
    const oldStyle = { ...message, embed: { ...message.embed, errbacks: message.embed.errbacks!.filter((e) => e.task === 'tasks.on_error_old') } };
    expectSameWire(await followups(errbackFollowups(oldStyle), replyToOf(errback!)), [theirWire(errback!)]);
  });

  it('the chord body: [[results]] in header order, from the part that completed (chord_backend_commands.json)', async () => {
    const text = readFileSync(new URL('./canvas-fixtures/chord_backend_commands.json', import.meta.url), 'utf8');
    const fixture = parseCeleryJson(text) as {
      group_id: string;
      body_task_id: string;
      header_task_ids: string[];
      body_task_message: Array<{ raw: string; body: unknown }>;
    };
    const raw = parseCeleryJson(fixture.body_task_message[0]!.raw) as { headers: Record<string, unknown>; properties: Record<string, unknown> };
    const theirs = theirWire({ headers: raw.headers, properties: raw.properties, body: fixture.body_task_message[0]!.body });
    const replyTo = raw.properties['reply_to'] as string;
    const body: SignatureData = { ...xsum(), options: { task_id: fixture.body_task_id, reply_to: replyTo } };
    const backend = createMemoryBackend({ name: `canvas-vectors-${crypto.randomUUID()}` });
    await backend.chordInit(fixture.group_id, 3);
    const outcomes = [];
    // Parts finish out of order; the body still gets the results in header order.
    for (const index of [2, 0, 1]) {
      const id = fixture.header_task_ids[index]!;
      const part = { id, rootId: id, group: fixture.group_id, groupIndex: index, embed: { chord: body } };
      outcomes.push(await recordChordPart(backend, part, 'SUCCESS', (index + 1) * 2));
    }
    expect(outcomes.slice(0, 2)).toEqual([{ kind: 'waiting' }, { kind: 'waiting' }]);
    const last = outcomes[2]!;
    if (last.kind !== 'ready') throw new Error(`expected the body, got ${last.kind}`);
    const ours = await followups([last.body], replyTo);
    // Celery's body parent/root is the part that completed the header (the last one in the capture).
    const completedBy = fixture.header_task_ids[1]!;
    const expected = { ...theirs, headers: { ...theirs.headers, parent_id: completedBy, root_id: completedBy } };
    expect(theirs.headers['parent_id']).toBe(fixture.header_task_ids[2]);
    expectSameWire(ours, [expected]);
    await backend.close();
  });
});
