import { describe, expect, it } from 'vitest';
import { bindingMember, createClusterKeyspace, createKeyspace, parseBindingMember, priorityQueueKey, priorityQueueKeys, topicMatches } from '../src/keys.js';
import { loadFixture } from './vectors.js';

describe('priority sub-lists', () => {
  it('maps priorities to kombu steps [0, 3, 6, 9] (0 is the bare queue)', () => {
    const expected = ['celery', 'celery', 'celery', 'celery\x06\x163', 'celery\x06\x163', 'celery\x06\x163', 'celery\x06\x166', 'celery\x06\x166', 'celery\x06\x166', 'celery\x06\x169'];
    expect([0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((p) => priorityQueueKey('celery', p))).toEqual(expected);
    expect(priorityQueueKey('celery', -3)).toBe('celery');
    expect(priorityQueueKey('celery', 99)).toBe('celery\x06\x169');
    expect(priorityQueueKeys('q')).toEqual(['q', 'q\x06\x163', 'q\x06\x166', 'q\x06\x169']);
  });

  it('agrees with the list keys kombu used in the priority vector', () => {
    const data = loadFixture('task_priorities.json') as { items: Array<{ redis_list_key: string; envelope: { properties: { priority: number } } }> };
    expect(data.items.length).toBe(5);
    for (const item of data.items) expect(priorityQueueKey('celery', item.envelope.properties.priority)).toBe(item.redis_list_key);
  });

  it('builds the binding member kombu writes on declare', () => {
    const data = loadFixture('task_priorities.json') as { binding_sets_present_after_publish: Record<string, { members_b64: string[] }> };
    const member = Buffer.from(data.binding_sets_present_after_publish['_kombu.binding.celery']!.members_b64[0]!, 'base64').toString('latin1');
    expect(bindingMember('celery', 'celery')).toBe(member);
    expect(parseBindingMember(member)).toEqual({ routingKey: 'celery', pattern: '', queue: 'celery' });
    expect(parseBindingMember('nope')).toBeUndefined();
  });
});

describe('createKeyspace', () => {
  it('prefixes keys and channels as kombu global_keyprefix does', () => {
    const keys = createKeyspace('app:', 5);
    expect(keys.unacked).toBe('app:unacked');
    expect(keys.unackedIndex).toBe('app:unacked_index');
    expect(keys.unackedMutex).toBe('app:unacked_mutex');
    expect(keys.binding('celery')).toBe('app:_kombu.binding.celery');
    expect(keys.lists('celery')).toEqual(['app:celery', 'app:celery\x06\x163', 'app:celery\x06\x166', 'app:celery\x06\x169']);
    expect(keys.dead('celery')).toBe('app:_celerity.dead.celery');
    expect(keys.channel('celery.pidbox', '')).toBe('app:/5.celery.pidbox');
    expect(keys.channel('celeryev', 'task.multi')).toBe('app:/5.celeryev/task.multi');
  });

  it('turns binding keys into PSUBSCRIBE globs covering every channel they can match', () => {
    const keys = createKeyspace('', 5);
    expect(keys.channelPatterns('celeryev', 'worker.#')).toEqual(['/5.celeryev/worker*']);
    expect(keys.channelPatterns('celeryev', '#')).toEqual(['/5.celeryev/*', '/5.celeryev']);
    expect(keys.channelPatterns('celeryev', 'task.*')).toEqual(['/5.celeryev/task.*']);
    expect(keys.channelPatterns('celery.pidbox', '')).toEqual(['/5.celery.pidbox', '/5.celery.pidbox/*']);
    expect(createKeyspace('a*[b]?', 0).channelPatterns('x', 'k?')).toEqual(['a\\*\\[b\\]\\?/0.x/k\\?']);
  });
});

describe('topicMatches', () => {
  it('follows AMQP topic rules', () => {
    const cases: Array<[string, string, boolean]> = [
      ['', 'anything.at.all', true], ['', '', true],
      ['a.*', 'a.b', true], ['a.*', 'a.b.c', false], ['a.*', 'a', false],
      ['a.#', 'a', true], ['a.#', 'a.b.c', true], ['a.#', 'ab', false],
      ['#', '', true], ['#', 'x.y', true], ['*', 'a', true], ['*', 'a.b', false], ['*', '', false],
      ['*.b', 'x.b', true], ['*.b', 'x.y.b', false], ['#.b', 'x.y.b', true], ['a.#.c', 'a.c', true], ['a.#.c', 'a.b.b.c', true],
      ['worker.#', 'worker.heartbeat', true], ['worker.#', 'task.multi', false],
    ];
    for (const [binding, key, expected] of cases) expect([binding, key, topicMatches(binding, key)]).toEqual([binding, key, expected]);
  });
});

describe('createClusterKeyspace', () => {
  it('puts every key of a queue under its {queue} hash tag, and keeps single-key names elsewhere', () => {
    const keys = createClusterKeyspace('app:');
    expect(keys.cluster).toBe(true);
    expect(keys.lists('celery')).toEqual(['app:{celery}', 'app:{celery}\x06\x163', 'app:{celery}\x06\x166', 'app:{celery}\x06\x169']);
    expect(keys.list('celery', 4)).toBe('app:{celery}\x06\x163');
    expect([keys.unackedOf('celery'), keys.unackedIndexOf('celery'), keys.unackedMutexOf('celery')]).toEqual(['app:{celery}unacked', 'app:{celery}unacked_index', 'app:{celery}unacked_mutex']);
    expect(keys.dead('celery')).toBe('app:{celery}_celerity.dead');
    expect(keys.inflight('c1', 'celery')).toBe('app:{celery}_celerity.inflight.c1');
    expect(keys.inflightRegistryOf('celery')).toBe('app:{celery}_celerity.inflight');
    expect(keys.binding('celery')).toBe('app:_kombu.binding.celery');
    expect(keys.channel('celeryev', 'task.sent')).toBe('app:/0.celeryev/task.sent');
  });

  it('leaves the single-server layout as kombu writes it', () => {
    const keys = createKeyspace('app:', 2);
    expect(keys.cluster).toBe(false);
    expect(keys.list('celery', 9)).toBe('app:celery\x06\x169');
    expect([keys.unackedOf('a'), keys.unackedOf('b')]).toEqual(['app:unacked', 'app:unacked']);
    expect([keys.unackedIndexOf('a'), keys.unackedMutexOf('a'), keys.inflightRegistryOf('a')]).toEqual(['app:unacked_index', 'app:unacked_mutex', 'app:_celerity.inflight']);
  });
});
