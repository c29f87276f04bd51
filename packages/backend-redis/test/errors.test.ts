import { describe, expect, it } from 'vitest';
import { CelerityError, ConfigurationError, ConnectionError, DecodeError } from '@celerity/core';
import { isNoScriptError, toCelerityError } from '../src/errors.js';

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
