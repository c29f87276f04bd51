/**
 * Running Lua scripts: EVALSHA, and when the server does not know the script (NOSCRIPT: first use
 * after a restart or SCRIPT FLUSH) EVAL, which runs it and caches it again in one round trip.
 * On a cluster every key must be in one slot; ioredis routes the call by its first key.
 * The command goes straight to `sendCommand`: no argument copies beyond the one argv array, and no
 * ioredis auto-pipelining queue in between.
 */
import { createHash } from 'node:crypto';
import { Command } from 'ioredis';
import type { RedisClient } from './redis-client.js';
import { isNoScriptError } from './errors.js';

/** An argument of a Redis command. */
export type RedisArg = string | number | Buffer;

/** A Lua script and its SHA-1 (the EVALSHA handle). */
export interface LuaScript {
  readonly name: string;
  readonly lua: string;
  readonly sha: string;
}

// Command options are only read by its constructor: one object each serves every call.
const STRING_REPLIES = { replyEncoding: 'utf8' } as const;
const BUFFER_REPLIES = { replyEncoding: null } as const;

/**
 * Names a script and computes its SHA-1 once.
 * @example
 * const RELEASE = defineScript('release', "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0");
 */
export function defineScript(name: string, lua: string): LuaScript {
  return { name, lua, sha: createHash('sha1').update(lua).digest('hex') };
}

/**
 * Runs `script` with `keys` and `args`. Bulk replies are strings, or Buffers (exact bytes) with
 * `buffers`. A NOSCRIPT reply means the call did nothing, so it is sent again as EVAL.
 * @example
 * const removed = await runScript(client, ACK_SCRIPT, [unacked, unackedIndex], tags);
 */
export async function runScript(client: RedisClient, script: LuaScript, keys: readonly RedisArg[], args: readonly RedisArg[], buffers = false): Promise<unknown> {
  const argv: RedisArg[] = [script.sha, keys.length, ...keys, ...args];
  const options = buffers ? BUFFER_REPLIES : STRING_REPLIES;
  try {
    return await client.sendCommand(new Command('evalsha', argv, options));
  } catch (error) {
    if (!isNoScriptError(error)) throw error;
    argv[0] = script.lua;
    return client.sendCommand(new Command('eval', argv, options));
  }
}

/**
 * EVALSHA of `script` with no EVAL after a NOSCRIPT reply: the call rejects instead. For a command
 * written ahead of a blocking one on the same connection, where an EVAL sent after the NOSCRIPT reply
 * would wait behind the blocking command; the caller runs it with {@link runScript} elsewhere.
 */
export async function runLoadedScript(client: RedisClient, script: LuaScript, keys: readonly RedisArg[], args: readonly RedisArg[]): Promise<unknown> {
  return await client.sendCommand(new Command('evalsha', [script.sha, keys.length, ...keys, ...args], STRING_REPLIES));
}
