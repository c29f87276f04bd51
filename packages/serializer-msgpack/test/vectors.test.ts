/** The bodies Celery 5.2.6 / msgpack 1.0.3 really sent: decoded to the captured value, re-encoded byte for byte. */
import { describe, expect, it } from 'vitest';
import { createMsgpackSerializer } from '../src/index.js';
import { fromHex, hex, loadFixture } from './fixtures.js';

interface Sample {
  readonly label: string;
  readonly bytes: Uint8Array;
  readonly value: unknown;
}

interface RedisItem {
  envelope: { body: string; 'content-type': string; 'content-encoding': string };
  body_hex: string;
  body: unknown;
}
interface AmqpItem {
  amqplib_properties: { contentType: string; contentEncoding: string };
  body_b64: string;
  body_hex: string;
  body: unknown;
}

function samples(): Sample[] {
  const out: Sample[] = [];
  for (const name of ['task_apply_async_msgpack', 'task_rich_args_msgpack']) {
    const redis = loadFixture(`redis/${name}.json`) as { items: RedisItem[] };
    for (const [i, item] of redis.items.entries()) {
      expect(item.envelope['content-type']).toBe('application/x-msgpack');
      expect(item.envelope['content-encoding']).toBe('binary');
      const bytes = Uint8Array.from(Buffer.from(item.envelope.body, 'base64'));
      expect(hex(bytes)).toBe(item.body_hex);
      out.push({ label: `redis/${name}[${i}]`, bytes, value: item.body });
    }
    const amqp = loadFixture(`amqp/${name}.json`) as { items: AmqpItem[] };
    for (const [i, item] of amqp.items.entries()) {
      expect(item.amqplib_properties.contentType).toBe('application/x-msgpack');
      expect(item.amqplib_properties.contentEncoding).toBe('binary');
      const bytes = Uint8Array.from(Buffer.from(item.body_b64, 'base64'));
      expect(hex(bytes)).toBe(item.body_hex);
      out.push({ label: `amqp/${name}[${i}]`, bytes, value: item.body });
    }
  }
  const result = loadFixture('redis/results/result_msgpack_serializer.json') as { value_hex: string; decoded: unknown };
  out.push({ label: 'redis/results/result_msgpack_serializer', bytes: fromHex(result.value_hex), value: result.decoded });
  return out;
}

describe('captured Celery msgpack vectors', () => {
  const serializer = createMsgpackSerializer();
  const all = samples();

  it('covers every msgpack fixture (2 Redis tasks, 2 AMQP tasks, 1 result)', () => {
    expect(all.map((s) => s.label)).toHaveLength(5);
  });

  it.each(all)('decodes $label to the captured value', ({ bytes, value }) => {
    expect(serializer.decode(bytes)).toStrictEqual(value);
  });

  it.each(all)('encodes $label to the exact bytes Python sent', ({ bytes, value }) => {
    expect(hex(serializer.encode(value))).toBe(hex(bytes));
  });

  it('matches the body quoted in the spec (§2.2)', () => {
    const body = [[2], { y: 3 }, { callbacks: null, errbacks: null, chain: null, chord: null }];
    expect(hex(serializer.encode(body))).toBe(
      '93910281a1790384a963616c6c6261636b73c0a86572726261636b73c0a5636861696ec0a563686f7264c0',
    );
  });

  it('keeps what JSON would lose in the rich vector: an int past 2^53 and bytes', () => {
    const rich = all.find((s) => s.label.startsWith('redis/task_rich_args_msgpack'))!;
    const [args] = serializer.decode(rich.bytes) as [[Record<string, unknown>]];
    expect(args[0]['int_big']).toBe(9007199254740993n);
    expect(args[0]['bytes']).toStrictEqual(new Uint8Array([0x00, 0x01, 0xff]));
    expect(args[0]['unicode']).toBe('héllo wörld ☃ 😀');
    expect(args[0]['float']).toBe(0.1);
  });

  it('describes itself the way kombu registers msgpack', () => {
    expect(serializer.name).toBe('msgpack');
    expect(serializer.contentType).toBe('application/x-msgpack');
    expect(serializer.contentEncoding).toBe('binary');
  });
});
