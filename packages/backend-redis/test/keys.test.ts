import { describe, expect, it } from 'vitest';
import { createKeySpace, normalizeKeyPrefix } from '../src/keys.js';

describe('key prefix (Celery 5.5+ global_keyprefix)', () => {
  it.each([
    ['myapp', 'myapp_celery-task-meta-42'],
    ['myapp:', 'myapp:celery-task-meta-42'],
    ['myapp_', 'myapp_celery-task-meta-42'],
    ['myapp-', 'myapp-celery-task-meta-42'],
    ['myapp.', 'myapp.celery-task-meta-42'],
    ['my:app', 'my:app_celery-task-meta-42'],
    ['', 'celery-task-meta-42'],
  ])('%j → %s', (prefix, key) => {
    expect(createKeySpace(prefix).task('42')).toBe(key);
  });

  it('treats absent prefixes as none', () => {
    expect(normalizeKeyPrefix(undefined)).toBe('');
    expect(normalizeKeyPrefix(null)).toBe('');
    expect(createKeySpace().task('x')).toBe('celery-task-meta-x');
  });

  it('prefixes group and chord keys the same way', () => {
    const keys = createKeySpace('app');
    expect(keys.group('g')).toBe('app_celery-taskset-meta-g');
    expect(keys.chord('g', '.j')).toBe('app_celery-taskset-meta-g.j');
    expect(keys.chord('g', '.t')).toBe('app_celery-taskset-meta-g.t');
    expect(keys.chord('g', '.s')).toBe('app_celery-taskset-meta-g.s');
    expect(createKeySpace().chord('g', '.s')).toBe('celery-taskset-meta-g.s');
  });
});

describe('createKeySpace on a cluster', () => {
  it('puts a group id in a hash tag for the group and chord keys, and keeps Celery task keys', () => {
    const keys = createKeySpace('myapp', true);
    expect(keys.cluster).toBe(true);
    expect(keys.task('42')).toBe('myapp_celery-task-meta-42');
    expect(keys.group('g1')).toBe('myapp_celery-taskset-meta-{g1}');
    expect(['.j', '.t', '.s'].map((s) => keys.chord('g1', s as '.j' | '.t' | '.s'))).toEqual([
      'myapp_celery-taskset-meta-{g1}.j',
      'myapp_celery-taskset-meta-{g1}.t',
      'myapp_celery-taskset-meta-{g1}.s',
    ]);
    expect(createKeySpace('myapp').chord('g1', '.j')).toBe('myapp_celery-taskset-meta-g1.j');
  });
});
