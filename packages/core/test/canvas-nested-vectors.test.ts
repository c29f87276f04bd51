/**
 * Nested canvases compared, message by message, with what Python Celery 5.2's `apply_async`
 * publishes for the same shape (canvas-fixtures/nested/nested-5.2.json, made by generate.py in
 * that folder): ids frozen at the same places, `group` / `group_index` headers, `embed.chain` and
 * `embed.chord` contents, and the chord sizes set before anything is sent. Ids are compared by
 * position (every uuid numbered in order of appearance on both sides). Excepted as in
 * canvas-vectors.test.ts: `lang`, `origin`, `ignore_result` and the 5.3 headers.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { CanvasSink, Envelope, SignatureData } from '@celerity/core';
import { applySignature, chain, chord, encodeTaskMessage, group, signature } from '@celerity/core';
import { createJsonSerializer, parseCeleryJson } from '../src/serializers/json.js';
import { canonical, tupleReprAsList } from './protocol/vector-helpers.js';

const serializer = createJsonSerializer();
const EXCEPTED = new Set(['lang', 'origin', 'ignore_result', 'replaced_task_nesting', 'stamped_headers', 'stamps']);

interface CapturedMessage {
  headers: Record<string, unknown>;
  properties: { correlation_id: unknown; reply_to: unknown };
  body: unknown;
}
interface CapturedShape {
  result_id: string;
  chord_sizes: Array<[string, number]>;
  messages: CapturedMessage[];
}
const captured = parseCeleryJson(readFileSync(new URL('./canvas-fixtures/nested/nested-5.2.json', import.meta.url), 'utf8')) as {
  shapes: Record<string, CapturedShape>;
};

const add = (...args: unknown[]) => signature('tasks.add', args);
const mul = (...args: unknown[]) => signature('tasks.mul', args);
const xsum = () => signature('tasks.xsum');
const withOptions = (sig: SignatureData, options: Record<string, unknown>): SignatureData => ({ ...sig, options: { ...sig.options, ...options } });
const errback = signature('tasks.on_error_old');

/** The same shapes as generate.py's SHAPES, built with Celerity's constructors. */
const SHAPES: Record<string, () => SignatureData> = {
  group_in_chain_last: () => chain(add(1, 1), group([mul(2), mul(3)])),
  group_in_chain_middle: () => chain(add(1, 1), group([mul(2), mul(3)]), xsum(), mul(10)),
  chain_in_group: () => group([chain(add(1, 1), mul(2)), add(5, 5)]),
  group_in_group: () => group([group([add(1, 1), add(2, 2)]), add(3, 3)]),
  chord_in_chain_last: () => chain(add(1, 1), chord([mul(2), mul(3)], xsum())),
  chord_in_chain_first: () => chain(chord([add(1, 1), add(2, 2)], xsum()), mul(10)),
  chord_in_chain_middle: () => chain(add(1, 1), chord([mul(2), mul(3)], xsum()), mul(10)),
  chord_in_group: () => group([chord([add(1, 1), add(2, 2)], xsum()), add(3, 3)]),
  chain_in_chord_header: () => chord([chain(add(1, 1), mul(2)), add(5, 5)], xsum()),
  chord_in_chord_header: () => chord([chord([add(1, 1), add(2, 2)], xsum()), add(3, 3)], xsum()),
  chord_as_chord_body: () => chord([add(1, 1), add(2, 2)], chord([mul(2), mul(3)], xsum())),
  chain_as_chord_body: () => chord([add(1, 1), add(2, 2)], chain(xsum(), mul(10))),
  group_as_chord_body: () => chord([add(1, 1), add(2, 2)], group([mul(2), mul(3)])),
  link_error_on_group: () => withOptions(group([add(1, 1), add(2, 2)]), { link_error: errback }),
  link_on_chord_in_chain: () => chain(add(1, 1), withOptions(chord([mul(2), mul(3)], xsum()), { link: mul(10) })),
  link_error_on_chain_in_group: () => group([withOptions(chain(add(1, 1), mul(2)), { link_error: errback }), add(5, 5)]),
  link_error_on_chord_header_member: () => chord([withOptions(add(1, 1), { link_error: errback }), chain(add(2, 2), mul(2))], xsum()),
};

function ourWire(envelope: Envelope): CapturedMessage {
  return {
    headers: Object.fromEntries(Object.entries(envelope.headers).filter(([k]) => !EXCEPTED.has(k))),
    properties: { correlation_id: envelope.properties.correlationId, reply_to: envelope.properties.replyTo },
    body: parseCeleryJson(new TextDecoder().decode(envelope.body)),
  };
}

function theirWire(m: CapturedMessage): CapturedMessage {
  const headers = Object.fromEntries(Object.entries(m.headers).filter(([k]) => !EXCEPTED.has(k)));
  headers['argsrepr'] = tupleReprAsList(headers['argsrepr'] as string);
  return { headers, properties: m.properties, body: m.body };
}

async function applyShape(sig: SignatureData, replyTo: string) {
  const envelopes: Envelope[] = [];
  const chordSizes: Array<[string, number]> = [];
  const sink: CanvasSink = {
    publish: async (messages) => void envelopes.push(...messages.map((m) => encodeTaskMessage(m.init, { serializer }))),
    chordInit: async (groupId, size) => void chordSizes.push([groupId, size]),
  };
  const applied = await applySignature(sig, sink, { replyTo });
  return { resultId: applied.id, chordSizes, messages: envelopes.map(ourWire) };
}

describe('nested canvas on the wire, as Celery 5.2 sends it', () => {
  for (const [name, build] of Object.entries(SHAPES)) {
    it(name, async () => {
      const theirs = captured.shapes[name]!;
      const replyTo = theirs.messages[0]!.properties.reply_to as string;
      const ours = await applyShape(build(), replyTo);
      // One numbering for the whole shape, so the result id and chord group ids must line up too.
      expect(canonical({ messages: ours.messages, resultId: ours.resultId, chordSizes: ours.chordSizes })).toEqual(
        canonical({ messages: theirs.messages.map(theirWire), resultId: theirs.result_id, chordSizes: theirs.chord_sizes }),
      );
    });
  }
});

describe('where Celerity differs from Celery 5.2 on purpose', () => {
  it('a group in a chord header keeps its members in order (Celery 5.2 and 5.5 reverse them)', async () => {
    // Celery's group._freeze_unroll puts a nested group's tasks back with deque.extendleft, which
    // reverses them: chord([group([a, b]), c]) numbers b 0, a 1, c 2, and the body gets [b, a, c].
    const theirs = captured.shapes['group_in_chord_header']!;
    const replyTo = theirs.messages[0]!.properties.reply_to as string;
    const ours = await applyShape(chord([group([add(1, 1), add(2, 2)]), add(3, 3)], xsum()), replyTo);
    const [b, a, c] = theirs.messages.map(theirWire);
    const reordered = [a!, b!, c!].map((m, index) => ({ ...m, headers: { ...m.headers, group_index: index } }));
    expect((a!.body as unknown[])[0]).toEqual([1, 1]);
    expect(canonical({ messages: ours.messages, resultId: ours.resultId, chordSizes: ours.chordSizes })).toEqual(
      canonical({ messages: reordered, resultId: theirs.result_id, chordSizes: theirs.chord_sizes }),
    );
  });

  it('a group with a link_error upgraded to a chord in a chain keeps it (Celery 5.2’s | drops it)', async () => {
    // Celery's chain | task builds chord(group.tasks, task): the group's options are lost. Celerity
    // keeps them in the embedded header, where a Python worker applying the chord gives its
    // link_error to every header task (group.apply_async passes its options on), as ours does.
    const theirs = captured.shapes['link_error_on_group_in_chain']!;
    const replyTo = theirs.messages[0]!.properties.reply_to as string;
    const ours = await applyShape(chain(add(1, 1), withOptions(group([mul(2), mul(3)]), { link_error: errback }), xsum()), replyTo);
    const expected = theirs.messages.map(theirWire);
    const header = ((expected[0]!.body as [unknown, unknown, { chain: SignatureData[] }])[2].chain[0]!.kwargs['header'] as SignatureData).options;
    expect(header['link_error']).toBeUndefined();
    header['link_error'] = errback;
    expect(canonical({ messages: ours.messages, resultId: ours.resultId, chordSizes: ours.chordSizes })).toEqual(
      canonical({ messages: expected, resultId: theirs.result_id, chordSizes: theirs.chord_sizes }),
    );
  });
});
