/**
 * Lua scripts, run with EVALSHA (EVAL once when the server's script cache lost them).
 *
 * STORE does Celery's store in one server call, atomically: Celery's worker GETs the key, skips the
 * write when the stored status is SUCCESS, else runs `MULTI; SETEX key ttl value; PUBLISH key value; EXEC`.
 * The key value, its TTL and the channel message are the same as Celery's.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { isNoScriptError } from './errors.js';

/** A script and its SHA-1 (the EVALSHA handle). */
export interface LuaScript {
  readonly source: string;
  readonly sha: string;
}

function lua(source: string): LuaScript {
  return { source, sha: createHash('sha1').update(source).digest('hex') };
}

/**
 * KEYS[1] = result key (also the channel); ARGV[1] = value; ARGV[2] = TTL in seconds (0 = no TTL);
 * ARGV[3] = how to read the stored value for the SUCCESS check: `json`, `msgpack`, or `none` (the
 * caller checked). Returns 1 when stored, 0 when a stored SUCCESS was kept.
 * The `"SUCCESS"` substring test keeps the common path (nothing stored, or STARTED) free of decoding;
 * the prefix test matches Celery's own values without decoding either.
 */
export const STORE_SCRIPT = lua(`
local mode = ARGV[3]
if mode ~= 'none' then
  local current = redis.call('GET', KEYS[1])
  if current and string.find(current, 'SUCCESS', 1, true) then
    if string.sub(current, 1, 21) == '{"status": "SUCCESS",' then return 0 end
    local ok, meta = false, nil
    if mode == 'json' then
      ok, meta = pcall(cjson.decode, current)
    elseif mode == 'msgpack' then
      ok, meta = pcall(cmsgpack.unpack, current)
    end
    if ok and type(meta) == 'table' and meta['status'] == 'SUCCESS' then return 0 end
  end
end
local ttl = tonumber(ARGV[2])
if ttl > 0 then
  redis.call('SETEX', KEYS[1], ttl, ARGV[1])
else
  redis.call('SET', KEYS[1], ARGV[1])
end
redis.call('PUBLISH', KEYS[1], ARGV[1])
return 1
`);

type ScriptArg = string | Buffer | number;

/** Runs a script by SHA, falling back to EVAL (which also re-caches it) on NOSCRIPT. */
export async function runScript(client: Redis, script: LuaScript, keys: readonly string[], args: readonly ScriptArg[]): Promise<unknown> {
  try {
    return await client.evalsha(script.sha, keys.length, ...keys, ...args);
  } catch (err) {
    if (!isNoScriptError(err)) throw err;
    return client.eval(script.source, keys.length, ...keys, ...args);
  }
}
