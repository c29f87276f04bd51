import { describe, expect, it } from 'vitest';
import { DecodeError, NotRegisteredError, TaskError, UnrecoverableError } from '@celerity/core';
import { errorToExceptionInfo, exceptionInfoFromResult, formatTraceback } from '../../src/protocol/exceptions.js';
import { fixtureFiles, readFixture } from './vector-helpers.js';

class QuotaExceeded extends Error {
  override name = 'QuotaExceeded';
}

describe('errorToExceptionInfo', () => {
  it.each<[string, unknown, string, string | null]>([
    ['Error → Exception', new Error('m'), 'Exception', 'builtins'],
    ['TypeError stays', new TypeError('m'), 'TypeError', 'builtins'],
    ['RangeError → ValueError', new RangeError('m'), 'ValueError', 'builtins'],
    ['URIError → ValueError', new URIError('m'), 'ValueError', 'builtins'],
    ['ReferenceError → NameError', new ReferenceError('m'), 'NameError', 'builtins'],
    ['SyntaxError stays', new SyntaxError('m'), 'SyntaxError', 'builtins'],
    ['a Python builtin name', Object.assign(new Error('m'), { name: 'KeyError' }), 'KeyError', 'builtins'],
    ['custom class', new QuotaExceeded('m'), 'QuotaExceeded', 'celerity'],
    ['Celerity error without a Python twin', new UnrecoverableError('m'), 'UnrecoverableError', 'celerity'],
    ['Node system error', Object.assign(new Error('m'), { code: 'ENOENT', syscall: 'open' }), 'FileNotFoundError', 'builtins'],
    ['unknown errno', Object.assign(new Error('m'), { code: 'EWHATEVER', syscall: 'read' }), 'OSError', 'builtins'],
    ['kombu DecodeError', new DecodeError('m'), 'DecodeError', 'kombu.exceptions'],
  ])('%s', (_name, err, type, module) => {
    const info = errorToExceptionInfo(err);
    expect([info.exc_type, info.exc_module]).toEqual([type, module]);
    expect(info.exc_message).toEqual(['m']);
  });

  it('NotRegisteredError is Celery\'s NotRegistered with the task name', () => {
    expect(errorToExceptionInfo(new NotRegisteredError('tasks.nope'))).toEqual({
      exc_type: 'NotRegistered',
      exc_message: ['tasks.nope'],
      exc_module: 'celery.exceptions',
    });
  });

  it('a remote TaskError (or an error naming its Python class) keeps that class', () => {
    const remote = new TaskError('id', 'FAILURE', { excType: 'ZeroDivisionError', excModule: 'builtins', excMessage: ['division by zero'] }, null);
    expect(errorToExceptionInfo(remote)).toEqual({ exc_type: 'ZeroDivisionError', exc_message: ['division by zero'], exc_module: 'builtins' });
    const explicit = Object.assign(new Error('x'), { excType: 'TimeLimitExceeded', excModule: 'billiard.exceptions', excArgs: [1] });
    expect(errorToExceptionInfo(explicit)).toEqual({ exc_type: 'TimeLimitExceeded', exc_message: [1], exc_module: 'billiard.exceptions' });
  });

  it('non-errors become Exception with their text', () => {
    expect(errorToExceptionInfo('boom')).toEqual({ exc_type: 'Exception', exc_message: ['boom'], exc_module: 'builtins' });
    expect(errorToExceptionInfo({ a: 1 })).toEqual({ exc_type: 'Exception', exc_message: ["{'a': 1}"], exc_module: 'builtins' });
    expect(errorToExceptionInfo(null).exc_message).toEqual(['None']);
  });

  it('an unusable name falls back to Exception', () => {
    expect(errorToExceptionInfo(Object.assign(new Error('m'), { name: 'not a name!' })).exc_type).toBe('Exception');
  });
});

describe('exceptionInfoFromResult', () => {
  const files = fixtureFiles('redis/results', /^result_(failure|retry|revoked).*\.json$/);

  it('finds the failure, retry and revoked captures', () => expect(files.length).toBeGreaterThanOrEqual(9));

  it.each(files)('reads the stored dict of %s', (file) => {
    const decoded = readFixture(file)['decoded'] as Record<string, unknown>;
    const result = decoded['result'] as Record<string, unknown>;
    const info = exceptionInfoFromResult(result);
    expect(info).toEqual({ exc_type: result['exc_type'], exc_message: result['exc_message'], exc_module: result['exc_module'] });
  });

  it('is lenient on exc_message / exc_module and null for non-exception values', () => {
    expect(exceptionInfoFromResult({ exc_type: 'E', exc_message: 'text' })).toEqual({ exc_type: 'E', exc_message: ['text'], exc_module: null });
    expect(exceptionInfoFromResult({ exc_type: 'E' })).toEqual({ exc_type: 'E', exc_message: [], exc_module: null });
    for (const value of [5, null, 'x', [], { exc_type: '' }, { exc_type: 1 }, { pid: 1, hostname: 'h' }]) {
      expect(exceptionInfoFromResult(value)).toBeNull();
    }
  });
});

describe('formatTraceback', () => {
  function outerFrame(): Error {
    return innerFrame();
  }
  function innerFrame(): Error {
    return new RangeError('bad value');
  }

  it('prints frames most recent call last and the Python exception line', () => {
    const tb = formatTraceback(outerFrame());
    expect(tb.startsWith('Traceback (most recent call last):\n  File "')).toBe(true);
    expect(tb.endsWith('\nValueError: bad value\n')).toBe(true);
    expect(tb.indexOf('in outerFrame')).toBeGreaterThan(0);
    expect(tb.indexOf('in innerFrame')).toBeGreaterThan(tb.indexOf('in outerFrame'));
    expect(tb).toMatch(/File "[^"]*exceptions\.test\.ts", line \d+, in innerFrame/);
  });

  it('qualifies non-builtin types with their module and chains causes like Python', () => {
    const err = new QuotaExceeded('over', { cause: new TypeError('root cause') });
    const tb = formatTraceback(err);
    expect(tb).toContain('TypeError: root cause\n\nThe above exception was the direct cause of the following exception:\n\nTraceback');
    expect(tb.endsWith('celerity.QuotaExceeded: over\n')).toBe(true);
  });

  it('formats thrown non-errors', () => {
    expect(formatTraceback('boom')).toBe('Traceback (most recent call last):\nException: boom\n');
  });
});
