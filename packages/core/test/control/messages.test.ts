/** Celery's pidbox messages: the captured Celery 5.2 requests and replies decode, ours encode the same way. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Envelope } from '@celerity/core';
import { DecodeError } from '@celerity/core';
import {
  controlRequestIsFor,
  decodeControlReply,
  decodeControlRequest,
  encodeControlReply,
  encodeControlRequest,
  readRevokeArguments,
  revokeArguments,
} from '@celerity/core/internal';

const VECTORS = '/work/shared/celery-vectors/amqp/';
interface Item {
  exchange: string;
  headers: Record<string, unknown>;
  properties: { delivery_mode: number; content_type: string; content_encoding: string };
  body_b64: string;
  body: Record<string, unknown>;
}
const items = (file: string): Item[] => (JSON.parse(readFileSync(VECTORS + file, 'utf8')) as { items: Item[] }).items;
const envelopeOf = (item: Item): Envelope => ({
  body: Buffer.from(item.body_b64, 'base64'),
  contentType: item.properties.content_type,
  contentEncoding: item.properties.content_encoding,
  headers: item.headers,
  properties: {},
});
const json = (envelope: Envelope): unknown => JSON.parse(Buffer.from(envelope.body).toString('utf8'));

describe('control messages', () => {
  it("decodes Celery's ping request and reply, and writes the same shapes", () => {
    const [request, reply] = items('control_ping_inspect_with_replies.json');
    const decoded = decodeControlRequest(envelopeOf(request!));
    expect(decoded).toMatchObject({ method: 'ping', arguments: {}, destination: null, ticket: request!.body['ticket'] });
    expect(decoded.replyTo).toEqual({ exchange: 'reply.celery.pidbox', routingKey: (request!.body['reply_to'] as { routing_key: string }).routing_key });
    expect(json(encodeControlRequest(decoded, { now: 0 }))).toEqual(request!.body);

    const answer = decodeControlReply(envelopeOf(reply!));
    expect(answer).toEqual({ hostname: 'cap@vm', result: { ok: 'pong' }, ticket: request!.body['ticket'] });
    const ours = encodeControlReply(answer);
    expect(json(ours)).toEqual(reply!.body);
    expect(ours.headers['ticket']).toBe(request!.body['ticket']);
    expect(ours.properties.deliveryMode).toBe(1);
  });

  it("reads Celery's revoke broadcasts (one id, terminate with a signal) and writes the same arguments", () => {
    const [plain, terminate] = items('control_revoke_broadcast.json');
    const first = decodeControlRequest(envelopeOf(plain!));
    expect(first.ticket).toBeUndefined();
    const sentId = (plain!.body['arguments'] as { task_id: string }).task_id;
    expect(readRevokeArguments(first.arguments)).toEqual({ ids: [sentId], terminate: false, signal: 'SIGTERM' });
    expect(json(encodeControlRequest({ ...first }, { now: 0 }))).toEqual(plain!.body);
    const second = readRevokeArguments(decodeControlRequest(envelopeOf(terminate!)).arguments);
    const sent = terminate!.body['arguments'] as { task_id: string; signal: string };
    expect(second).toEqual({ ids: [sent.task_id], terminate: true, signal: sent.signal });
    expect(revokeArguments(second.ids, { terminate: true, signal: sent.signal })).toEqual(sent);
    expect(revokeArguments(['a', 'b'])).toEqual({ task_id: ['a', 'b'], terminate: false, signal: 'SIGTERM' });
  });

  it('addresses by destination, glob and pcre patterns, or everyone', () => {
    const base = { method: 'ping', arguments: {}, destination: null, pattern: null, matcher: null };
    expect(controlRequestIsFor(base, 'w1@host')).toBe(true);
    expect(controlRequestIsFor({ ...base, destination: ['w2@host'] }, 'w1@host')).toBe(false);
    expect(controlRequestIsFor({ ...base, destination: ['w1@host'] }, 'w1@host')).toBe(true);
    expect(controlRequestIsFor({ ...base, pattern: 'w*@host', matcher: 'glob' }, 'w1@host')).toBe(true);
    expect(controlRequestIsFor({ ...base, pattern: 'x*', matcher: 'glob' }, 'w1@host')).toBe(false);
    expect(controlRequestIsFor({ ...base, pattern: '^w\\d@', matcher: 'pcre' }, 'w1@host')).toBe(true);
  });

  it('refuses what is not a control message with a DecodeError', () => {
    const bad = (body: string, contentType = 'application/json'): Envelope => ({ body: Buffer.from(body), contentType, contentEncoding: 'utf-8', headers: {}, properties: {} });
    expect(() => decodeControlRequest(bad('nope'))).toThrow(DecodeError);
    expect(() => decodeControlRequest(bad('{"arguments": {}}'))).toThrow(DecodeError);
    expect(() => decodeControlRequest(bad('{"method": "x", "arguments": []}'))).toThrow(DecodeError);
    expect(() => decodeControlRequest(bad('{}', 'application/x-python-serialize'))).toThrow(DecodeError);
    expect(() => decodeControlReply(bad('{"a": 1, "b": 2}'))).toThrow(DecodeError);
  });
});
