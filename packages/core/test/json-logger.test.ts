// JSON lines: fixed keys, fields after them, errors with their stack, cycles and bigints written rather than thrown.
import { describe, expect, it } from 'vitest';
import { createJsonLogger } from '../src/json-logger.js';

function capture(level?: 'debug' | 'info' | 'warn' | 'error') {
  const lines: string[] = [];
  const logger = createJsonLogger({ ...(level ? { level } : {}), write: (l) => lines.push(l), now: () => new Date('2026-12-06T12:00:00.123Z') });
  return { logger, lines, parsed: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

describe('createJsonLogger', () => {
  it('writes one object per line with time, level, name, msg and the fields', () => {
    const { logger, lines, parsed } = capture();
    logger.info('Task tasks.add[1] succeeded in 0.001s: 8', { task: 'tasks.add', id: '1' });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\n');
    expect(parsed()[0]).toEqual({ time: '2026-12-06T12:00:00.123Z', level: 'info', name: 'MainProcess', msg: 'Task tasks.add[1] succeeded in 0.001s: 8', task: 'tasks.add', id: '1' });
  });

  it('drops lines under its level', () => {
    const { logger, parsed } = capture('warn');
    logger.debug('d');
    logger.info('i');
    logger.warn('w');
    logger.error('e');
    expect(parsed().map((l) => l['level'])).toEqual(['warn', 'error']);
  });

  it('writes an error field with its type, message and stack, and keeps a multi-line message on one line', () => {
    const { logger, lines, parsed } = capture();
    const error = Object.assign(new TypeError('boom'), { code: 'E_BOOM' });
    logger.error('Task failed\nTraceback: …', { error });
    expect(lines[0]!.split('\n')).toHaveLength(1);
    const line = parsed()[0]!;
    expect(line['msg']).toBe('Task failed\nTraceback: …');
    expect(line['error']).toMatchObject({ type: 'TypeError', message: 'boom', code: 'E_BOOM' });
    expect((line['error'] as { stack: string }).stack).toContain('TypeError: boom');
  });

  it('writes bigints, cycles and fields named like the fixed keys without throwing or overwriting', () => {
    const { logger, parsed } = capture();
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic['self'] = cyclic;
    logger.info('m', { big: 10n, cyclic, msg: 'not the message', level: 'x' });
    expect(parsed()[0]).toMatchObject({ msg: 'm', level: 'info', big: '10', cyclic: { a: 1, self: '[Circular]' }, 'field.msg': 'not the message', 'field.level': 'x' });
  });
});
