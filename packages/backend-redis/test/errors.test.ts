import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { CelerityError, ConfigurationError, ConnectionError, DecodeError } from '@celerity/core';
import { isNoScriptError, logConnectionErrors, toCelerityError } from '../src/errors.js';

const replyError = (message: string): Error => Object.assign(new Error(message), { name: 'ReplyError' });

describe('toCelerityError', () => {
  it('maps network failures and transient server states to retryable ConnectionError', () => {
    const cases: unknown[] = [
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('Reached the max retries per request limit'), { name: 'MaxRetriesPerRequestError' }),
      new Error('Connection is closed.'),
      replyError('LOADING Redis is loading the dataset in memory'),
      replyError('READONLY You can\'t write against a read only replica.'),
    ];
    for (const err of cases) {
      const mapped = toCelerityError(err, 'store');
      expect(mapped).toBeInstanceOf(ConnectionError);
      expect(mapped.retryable).toBe(true);
      expect(mapped.cause).toBe(err);
      expect(mapped.message).toMatch(/^Redis result backend: store failed: /);
    }
  });

  it('maps auth failures to ConfigurationError and other replies to a non-retryable error', () => {
    expect(toCelerityError(replyError('WRONGPASS invalid username-password pair'), 'connect')).toBeInstanceOf(ConfigurationError);
    const other = toCelerityError(replyError('WRONGTYPE Operation against a key holding the wrong kind of value'), 'get');
    expect(other).not.toBeInstanceOf(ConnectionError);
    expect(other.code).toBe('BACKEND_ERROR');
    expect(other.retryable).toBe(false);
  });

  it('passes Celerity errors through and recognises NOSCRIPT', () => {
    const decode = new DecodeError('bad');
    expect(toCelerityError(decode, 'get')).toBe(decode);
    expect(toCelerityError('weird', 'get')).toBeInstanceOf(CelerityError);
    expect(isNoScriptError(replyError('NOSCRIPT No matching script. Please use EVAL.'))).toBe(true);
    expect(isNoScriptError(replyError('ERR other'))).toBe(false);
    expect(isNoScriptError(undefined)).toBe(false);
  });
});

describe('logConnectionErrors', () => {
  it('warns once per outage, then logs at debug until the connection is ready again', () => {
    const lines: string[] = [];
    const logger = {
      debug: (m: string) => lines.push(`debug ${m}`),
      info: (m: string) => lines.push(`info ${m}`),
      warn: (m: string) => lines.push(`warn ${m}`),
      error: (m: string) => lines.push(`error ${m}`),
    };
    const conn = new EventEmitter();
    logConnectionErrors(conn, logger, 'command connection');
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    conn.emit('error', refused);
    conn.emit('error', refused);
    conn.emit('ready');
    conn.emit('error', refused);
    expect(lines).toEqual([
      'warn Redis result backend: command connection failed: connect ECONNREFUSED',
      'debug Redis result backend: command connection failed: connect ECONNREFUSED',
      'info Redis result backend: command connection restored',
      'warn Redis result backend: command connection failed: connect ECONNREFUSED',
    ]);
  });
});
