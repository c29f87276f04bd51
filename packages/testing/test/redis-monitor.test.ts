/** MONITOR lines read back as commands (redis-monitor.ts); the socket side runs in backend-redis's waits test. */
import { describe, expect, it } from 'vitest';
import { parseMonitorLine } from '../src/redis-monitor.js';

describe('parseMonitorLine', () => {
  it('reads the database, the source and every argument', () => {
    expect(parseMonitorLine('1796659196.215954 [8 127.0.0.1:41108] "brpop" "a.reply.celery.pidbox" "1"')).toEqual({
      source: '127.0.0.1:41108',
      db: 8,
      args: ['brpop', 'a.reply.celery.pidbox', '1'],
    });
    expect(parseMonitorLine('1796659196.3 [0 lua] "GET" "k"')).toEqual({ source: 'lua', db: 0, args: ['GET', 'k'] });
  });

  it('unquotes what Redis escaped: quotes, backslashes, controls and \\xHH bytes', () => {
    const line = String.raw`1.0 [0 unix:/tmp/r.sock] "set" "a\"b\\c" "line\r\n\tend" "\x00\xff"`;
    expect(parseMonitorLine(line)?.args).toEqual(['set', 'a"b\\c', 'line\r\n\tend', '\u0000\u00ff']);
    expect(parseMonitorLine(line)?.source).toBe('unix:/tmp/r.sock');
  });

  it('returns null for a line of another shape', () => {
    expect(parseMonitorLine('OK')).toBeNull();
  });
});
