import { EventEmitter } from 'node:events';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { CelerityError, ConfigurationError, ConnectionError, DecodeError } from '@celerity/core';
import { createCapturingLogger } from '@celerity/testing';
import { classifyRedisError, isConnectionError, isNoScriptError, logConnectionErrors, mapRedisError } from '../src/internal.js';
import type { RedisErrorKind } from '../src/internal.js';

const SOURCE = { name: 'Redis thing', code: 'THING_ERROR' };
const replyError = (message: string): Error => Object.assign(new Error(message), { name: 'ReplyError' });
const networkError = (code: string): Error => Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code });

describe('classifyRedisError', () => {
  // One row per decision documented at the top of src/errors.ts.
  const cases: Array<[string, unknown, RedisErrorKind]> = [
    ['ECONNREFUSED', networkError('ECONNREFUSED'), 'connection'],
    ['ECONNRESET', networkError('ECONNRESET'), 'connection'],
    ['ETIMEDOUT', networkError('ETIMEDOUT'), 'connection'],
    ['ENOTFOUND', networkError('ENOTFOUND'), 'connection'],
    ['EHOSTUNREACH', networkError('EHOSTUNREACH'), 'connection'],
    ['ioredis: connection closed', new Error('Connection is closed.'), 'connection'],
    ['ioredis: offline queue off', new Error("Stream isn't writeable and enableOfflineQueue options is false"), 'connection'],
    ['ioredis: command timeout', new Error('Command timed out'), 'connection'],
    ['ioredis: max retries', Object.assign(new Error('Reached the max retries per request limit (which is 20).'), { name: 'MaxRetriesPerRequestError' }), 'connection'],
    ['ioredis: aborted', Object.assign(new Error('Command aborted due to connection close'), { name: 'AbortError' }), 'connection'],
    ['LOADING', replyError('LOADING Redis is loading the dataset in memory'), 'connection'],
    ['BUSY', replyError('BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.'), 'connection'],
    ['READONLY', replyError("READONLY You can't write against a read only replica."), 'connection'],
    ['MASTERDOWN', replyError('MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to no.'), 'connection'],
    ['TRYAGAIN', replyError('TRYAGAIN Multiple keys request during rehashing of slot'), 'connection'],
    ['CLUSTERDOWN', replyError('CLUSTERDOWN The cluster is down'), 'connection'],
    ['NOREPLICAS', replyError('NOREPLICAS Not enough good replicas to write.'), 'connection'],
    ['max clients', replyError('ERR max number of clients reached'), 'connection'],
    ['NOAUTH', replyError('NOAUTH Authentication required.'), 'auth'],
    ['WRONGPASS', replyError('WRONGPASS invalid username-password pair or user is disabled.'), 'auth'],
    ['NOPERM', replyError("NOPERM User app has no permissions to run the 'eval' command"), 'auth'],
    ['Redis < 6 bad password', replyError('ERR invalid password'), 'auth'],
    ['MISCONF', replyError('MISCONF Redis is configured to save RDB snapshots, but it is currently not able to persist on disk.'), 'command'],
    ['OOM', replyError("OOM command not allowed when used memory > 'maxmemory'."), 'command'],
    ['WRONGTYPE', replyError('WRONGTYPE Operation against a key holding the wrong kind of value'), 'command'],
    ['ERR syntax', replyError('ERR syntax error'), 'command'],
    ['EXECABORT', replyError('EXECABORT Transaction discarded because of previous errors.'), 'command'],
    ['NOSCRIPT', replyError('NOSCRIPT No matching script. Please use EVAL.'), 'command'],
    ['a string', 'weird', 'command'],
    ['undefined', undefined, 'command'],
  ];
  it.each(cases)('%s → %s', (_name, error, kind) => {
    expect(classifyRedisError(error)).toBe(kind);
    expect(isConnectionError(error)).toBe(kind === 'connection');
  });

  it('treats a core ConnectionError as a connection error', () => {
    expect(classifyRedisError(new ConnectionError('gone'))).toBe('connection');
  });
});

describe('mapRedisError', () => {
  it('maps each kind to its Celerity error, named after the source', () => {
    const refused = networkError('ECONNREFUSED');
    const connection = mapRedisError(refused, 'publish', SOURCE);
    expect(connection).toBeInstanceOf(ConnectionError);
    expect(connection.retryable).toBe(true);
    expect(connection.cause).toBe(refused);
    expect(connection.message).toBe('Redis thing: publish failed: connect ECONNREFUSED 127.0.0.1:1');
    const auth = mapRedisError(replyError('WRONGPASS invalid username-password pair'), 'connect', SOURCE);
    expect(auth).toBeInstanceOf(ConfigurationError);
    expect(auth.retryable).toBe(false);
    const other = mapRedisError(replyError('OOM command not allowed'), 'store', SOURCE);
    expect(other).toBeInstanceOf(CelerityError);
    expect(other.code).toBe('THING_ERROR');
    expect(other.retryable).toBe(false);
    expect(mapRedisError('weird', 'get', SOURCE).message).toBe('Redis thing: get failed: weird');
  });

  it('passes Celerity errors through', () => {
    const decode = new DecodeError('bad');
    expect(mapRedisError(decode, 'get', SOURCE)).toBe(decode);
  });

  it('hides the credentials ioredis attaches to a failed AUTH or HELLO', () => {
    const auth = Object.assign(replyError('WRONGPASS invalid username-password pair'), { command: { name: 'auth', args: ['app', 'hunter2'] } });
    const hello = Object.assign(replyError('WRONGPASS invalid username-password pair'), { command: { name: 'hello', args: [3, 'AUTH', 'default', 'hunter2'] } });
    for (const error of [auth, hello]) {
      const mapped = mapRedisError(error, 'connect', SOURCE);
      expect(inspect(mapped, { depth: Infinity })).not.toContain('hunter2');
    }
    const get = Object.assign(replyError('WRONGTYPE x'), { command: { name: 'get', args: ['key'] } });
    mapRedisError(get, 'get', SOURCE);
    expect(get.command.args).toEqual(['key']);
  });
});

describe('isNoScriptError', () => {
  it('recognises the NOSCRIPT reply only', () => {
    expect(isNoScriptError(replyError('NOSCRIPT No matching script. Please use EVAL.'))).toBe(true);
    expect(isNoScriptError(replyError('ERR other'))).toBe(false);
    expect(isNoScriptError(undefined)).toBe(false);
  });
});

describe('logConnectionErrors', () => {
  it('warns once per outage, then logs at debug until the connection is ready again', () => {
    const logger = createCapturingLogger();
    const conn = new EventEmitter();
    logConnectionErrors(conn, logger, 'main connection', SOURCE);
    const refused = networkError('ECONNREFUSED');
    conn.emit('error', refused);
    conn.emit('error', refused);
    conn.emit('ready');
    conn.emit('error', refused);
    expect(logger.lines.map((line) => `${line.level} ${line.message}`)).toEqual([
      'warn Redis thing: main connection failed: connect ECONNREFUSED 127.0.0.1:1',
      'debug Redis thing: main connection failed: connect ECONNREFUSED 127.0.0.1:1',
      'info Redis thing: main connection restored',
      'warn Redis thing: main connection failed: connect ECONNREFUSED 127.0.0.1:1',
    ]);
  });
});

describe('refused TLS handshakes', () => {
  it('are configuration errors (not retried) whose message says what to look at', () => {
    const untrusted = Object.assign(new Error('self-signed certificate in certificate chain'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' });
    expect(classifyRedisError(untrusted)).toBe('auth');
    const mapped = mapRedisError(untrusted, 'connect', SOURCE);
    expect(mapped).toBeInstanceOf(ConfigurationError);
    expect(mapped.message).toBe("Redis thing: connect failed: TLS: the server's certificate is not signed by a trusted CA (SELF_SIGNED_CERT_IN_CHAIN); give the CA's certificate (ssl_ca_certs / ca_certs)");
    const misnamed = Object.assign(new Error("Hostname/IP does not match certificate's altnames: IP: 127.0.0.2 is not in the cert's list: 127.0.0.1"), { code: 'ERR_TLS_CERT_ALTNAME_INVALID' });
    expect(mapRedisError(misnamed, 'connect', SOURCE).message).toBe(`Redis thing: connect failed: TLS: the server's certificate is not for the host name checked: ${misnamed.message}`);
    // A reset is still the network's.
    expect(classifyRedisError(networkError('ECONNRESET'))).toBe('connection');
  });
});
