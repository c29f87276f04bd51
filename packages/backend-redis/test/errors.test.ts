// The classification itself is tested in @celerity/redis-common; this is the backend's naming.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ConfigurationError, ConnectionError } from '@celerity/core';
import { createCapturingLogger } from '@celerity/testing';
import { logBackendConnection, toCelerityError } from '../src/errors.js';

const replyError = (message: string): Error => Object.assign(new Error(message), { name: 'ReplyError' });

describe('toCelerityError', () => {
  it('names the backend and uses BACKEND_ERROR for errors a retry will not fix', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
    const mapped = toCelerityError(refused, 'store');
    expect(mapped).toBeInstanceOf(ConnectionError);
    expect(mapped.message).toBe('Redis result backend: store failed: connect ECONNREFUSED 127.0.0.1:1');
    expect(toCelerityError(replyError('WRONGPASS invalid username-password pair'), 'connect')).toBeInstanceOf(ConfigurationError);
    const other = toCelerityError(replyError('WRONGTYPE Operation against a key holding the wrong kind of value'), 'get');
    expect(other.code).toBe('BACKEND_ERROR');
    expect(other.retryable).toBe(false);
  });
});

describe('logBackendConnection', () => {
  it('logs connection trouble under the backend\'s name', () => {
    const logger = createCapturingLogger();
    const conn = new EventEmitter();
    logBackendConnection(conn, logger, 'command connection');
    conn.emit('error', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    conn.emit('ready');
    expect(logger.lines.map((line) => `${line.level} ${line.message}`)).toEqual([
      'warn Redis result backend: command connection failed: connect ECONNREFUSED',
      'info Redis result backend: command connection restored',
    ]);
  });
});
