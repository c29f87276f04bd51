import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Serializer } from '@celerity/core';
import { ConfigurationError, createJsonSerializer, defineTask, signature } from '@celerity/core';
import { formatCeleryDate } from '@celerity/core/internal';
import type { ClientOptions } from '@celerity/client';
import { createClient } from '@celerity/client';
import { RecordingBroker, decode, memoryPair } from './helpers.js';

const NOW = new Date('2026-11-23T18:46:32.215Z');
const APP_ID = '8c987ad9-d647-3376-a1d7-57e599e25d07';
const brokers: RecordingBroker[] = [];

function setup(extra: Partial<ClientOptions> = {}) {
  const broker = new RecordingBroker(memoryPair().broker);
  brokers.push(broker);
  let n = 0;
  const client = createClient({
    broker,
    appId: APP_ID,
    origin: 'gen42@test',
    now: () => NOW,
    generateId: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
    ...extra,
  });
  const last = () => {
    const published = broker.published[broker.published.length - 1]!;
    return { ...published, message: decode(published.envelope) };
  };
  return { client, broker, last };
}

afterEach(async () => {
  for (const b of brokers.splice(0)) await b.close();
});

describe('a plain send', () => {
  it('carries Celery’s headers and properties', async () => {
    const { client, last } = setup();
    const result = await client.send('tasks.add', [2], { kwargs: { y: 3 } });
    const { target, envelope, message } = last();
    expect(target).toEqual({ queue: 'celery' });
    expect(result.id).toBe('00000000-0000-4000-8000-000000000001');
    expect(envelope.headers['task']).toBe('tasks.add');
    expect(envelope.headers['id']).toBe(result.id);
    // A top-level task is its own root: left out, and read back as the task's id (as Celery reads it).
    expect(envelope.headers['root_id']).toBeUndefined();
    expect(message.rootId).toBe(result.id);
    expect(envelope.headers['origin']).toBe('gen42@test');
    expect(envelope.headers['argsrepr']).toBe('[2]');
    expect(envelope.headers['kwargsrepr']).toBe("{'y': 3}");
    // Lean messages: headers at Celery's default, correlation_id and (without rpc://) reply_to are left out.
    for (const key of ['lang', 'shadow', 'eta', 'expires', 'group', 'group_index', 'retries', 'timelimit', 'parent_id', 'ignore_result', 'stamps']) {
      expect([key, key in envelope.headers]).toEqual([key, false]);
    }
    expect(envelope.properties.correlationId).toBeUndefined();
    expect(envelope.properties.replyTo).toBeUndefined();
    expect(message.parentId).toBeNull();
    expect(message.timeLimit).toEqual([null, null]);
    expect(message.retries).toBe(0);
    expect(envelope.contentType).toBe('application/json');
    expect(message.args).toEqual([2]);
    expect(message.kwargs).toEqual({ y: 3 });
    expect(message.eta).toBeNull();
    expect(message.expires).toBeNull();
    expect(message.embed).toEqual({ callbacks: null, errbacks: null, chain: null, chord: null });
  });

  it('matches the options of a captured Celery message', async () => {
    const vector = JSON.parse(readFileSync('/work/shared/celery-vectors/redis/task_options_misc.json', 'utf8')) as {
      items: Array<{ envelope: { headers: Record<string, unknown> } }>;
    };
    const expected = vector.items[0]!.envelope.headers;
    const { client, last } = setup();
    // add.apply_async((1, 2), time_limit=30, soft_time_limit=20, shadow='add-shadow-name', ignore_result=True, headers={'x-custom': 'hello'}, task_id='1111…')
    await client.send('tasks.add', [1, 2], {
      timeLimit: 30,
      softTimeLimit: 20,
      shadow: 'add-shadow-name',
      ignoreResult: true,
      headers: { 'x-custom': 'hello' },
      taskId: '11111111-2222-3333-4444-555555555555',
    });
    const { headers } = last().envelope;
    for (const key of ['task', 'id', 'shadow', 'timelimit', 'ignore_result', 'x-custom']) {
      expect([key, headers[key]]).toEqual([key, expected[key]]);
    }
    // The captured task is top-level (root_id = its id): Celery reads a missing root_id the same way.
    expect(expected['root_id']).toBe(expected['id']);
    expect(headers['root_id']).toBeUndefined();
    // Left out at their default, which is what Celery reads when they are absent.
    for (const key of ['eta', 'expires', 'group', 'group_index', 'parent_id']) expect([key, headers[key] ?? null]).toEqual([key, expected[key]]);
    expect(headers['retries'] ?? 0).toBe(expected['retries']);
  });
});

describe('options', () => {
  it('countdown becomes an eta of now + countdown in Celery’s date format', async () => {
    const { client, last } = setup();
    await client.send('tasks.add', [1, 2], { countdown: 10 });
    const { envelope, message } = last();
    expect(envelope.headers['eta']).toBe(formatCeleryDate(new Date(NOW.getTime() + 10_000)));
    expect(envelope.headers['eta']).toMatch(/^2026-11-23T18:46:42\.215000\+00:00$/);
    expect(message.eta?.getTime()).toBe(NOW.getTime() + 10_000);
  });

  it('eta is sent as given; countdown wins over it', async () => {
    const { client, last } = setup();
    const eta = new Date('2030-01-01T12:00:00Z');
    await client.send('t', [], { eta });
    expect(last().message.eta?.toISOString()).toBe(eta.toISOString());
    await client.send('t', [], { eta, countdown: 1 });
    expect(last().message.eta?.getTime()).toBe(NOW.getTime() + 1000);
  });

  it('expires in seconds sets the header and an exact AMQP expiration', async () => {
    const { client, last } = setup();
    await client.send('t', [], { expires: 60 });
    const { envelope, message } = last();
    expect(message.expires?.getTime()).toBe(NOW.getTime() + 60_000);
    expect(envelope.properties.expiration).toBe('60000');
  });

  it('expires as a date sets the expiration to the time left', async () => {
    const { client, last } = setup();
    await client.send('t', [], { expires: new Date(NOW.getTime() + 90_500) });
    expect(last().envelope.properties.expiration).toBe('90500');
    expect(last().envelope.headers['expires']).toBe(formatCeleryDate(new Date(NOW.getTime() + 90_500)));
  });

  it('routes by queue, exchange and routing key, and sets the priority', async () => {
    const { client, broker } = setup();
    await client.send('t', [], { queue: 'q.custom', priority: 5 });
    await client.send('t', [], { queue: 'q', exchange: 'tasks', routingKey: 'tasks.math' });
    expect(broker.published.map((p) => p.target)).toEqual([{ queue: 'q.custom' }, { queue: 'q', exchange: 'tasks', routingKey: 'tasks.math' }]);
    expect(broker.published[0]!.envelope.properties.priority).toBe(5);
  });

  it('sends ignore_result only when set, in both directions', async () => {
    const { client, last } = setup();
    await client.send('t', [], { ignoreResult: false });
    expect(last().envelope.headers['ignore_result']).toBe(false);
    await client.send('t', [], { ignoreResult: true });
    expect(last().envelope.headers['ignore_result']).toBe(true);
    await client.send('t', []);
    expect(last().message.ignoreResult).toBeNull();
  });

  it('time limits are [hard, soft] with null for the one not given', async () => {
    const { client, last } = setup();
    await client.send('t', [], { softTimeLimit: 20 });
    expect(last().envelope.headers['timelimit']).toEqual([null, 20]);
    await client.send('t', [], { timeLimit: 30 });
    expect(last().envelope.headers['timelimit']).toEqual([30, null]);
  });

  it('carries ids, retries, stamps, links and custom headers', async () => {
    const { client, last } = setup();
    const callback = signature('tasks.mul', [10]);
    const errback = signature('tasks.on_error');
    await client.send('t', [1], {
      taskId: 'my-id',
      parentId: 'parent',
      rootId: 'root',
      retries: 2,
      stamps: { monitoring_id: 'm-1' },
      link: callback,
      linkError: [errback],
      headers: { 'x-trace': 'abc' },
    });
    const { message } = last();
    expect(message).toMatchObject({ id: 'my-id', parentId: 'parent', rootId: 'root', retries: 2 });
    expect(message.stamps).toEqual({ monitoring_id: 'm-1' });
    expect(message.stampedHeaders).toEqual(['monitoring_id']);
    expect(message.customHeaders['x-trace']).toBe('abc');
    expect(message.embed.callbacks).toEqual([callback]);
    expect(message.embed.errbacks).toEqual([errback]);
  });

  it('uses a task definition’s options as defaults, and options override them', async () => {
    const resize = defineTask({ name: 'images.resize', queue: 'images', priority: 3, timeLimit: 60, softTimeLimit: 50, ignoreResult: true }, (url: string) => url);
    const { client, broker, last } = setup();
    await client.send(resize, ['a.png']);
    expect(last().target).toEqual({ queue: 'images' });
    expect(last().envelope.properties.priority).toBe(3);
    expect(last().envelope.headers['timelimit']).toEqual([60, 50]);
    expect(last().envelope.headers['ignore_result']).toBe(true);
    await client.task(resize).applyAsync(['b.png'], { queue: 'fast', priority: 0, ignoreResult: false });
    expect(last().target).toEqual({ queue: 'fast' });
    expect(last().envelope.properties.priority).toBe(0);
    expect(last().envelope.headers['ignore_result']).toBe(false);
    expect(broker.published).toHaveLength(2);
  });

  it('finds definitions for tasks sent by name when given `tasks`', async () => {
    const resize = defineTask({ name: 'images.resize', queue: 'images' }, (url: string) => url);
    const { client, last } = setup({ tasks: [resize] });
    await client.send('images.resize', ['a.png']);
    expect(last().target.queue).toBe('images');
  });

  it('rejects invalid values with a ConfigurationError', async () => {
    const { client, broker } = setup();
    await expect(client.send('t', [], { priority: 2.5 })).rejects.toThrow(ConfigurationError);
    await expect(client.send('t', [], { countdown: Number.NaN })).rejects.toThrow(ConfigurationError);
    await expect(client.send('t', [], { eta: new Date('nope') })).rejects.toThrow(ConfigurationError);
    await expect(client.send('t', [], { serializer: 'yaml' })).rejects.toThrow(/yaml/);
    expect(broker.published).toHaveLength(0);
  });
});

describe('serializers', () => {
  const tagged = (): Serializer => {
    const json = createJsonSerializer();
    return { name: 'test-json', contentType: 'application/x-test-json', contentEncoding: 'utf-8', encode: (v) => json.encode(v), decode: (b) => json.decode(b) };
  };

  it('uses the client default, a named one, or an instance per send', async () => {
    const extra = tagged();
    const { client, broker } = setup({ serializers: [extra] });
    await client.send('t', []);
    await client.send('t', [], { serializer: 'test-json' });
    await client.send('t', [], { serializer: extra });
    expect(broker.published.map((p) => p.envelope.contentType)).toEqual(['application/json', 'application/x-test-json', 'application/x-test-json']);
  });

  it('can make another serializer the default', async () => {
    const { client, broker } = setup({ serializer: tagged() });
    await client.send('t', [1]);
    expect(broker.published[0]!.envelope.contentType).toBe('application/x-test-json');
  });
});
