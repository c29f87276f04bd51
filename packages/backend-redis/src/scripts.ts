/**
 * Lua scripts, run with @celerity/redis-common's `runScript` (EVALSHA, EVAL again after NOSCRIPT).
 *
 * STORE does Celery's store in one server call, atomically: Celery's worker GETs the key, skips the
 * write when the stored status is SUCCESS, else runs `MULTI; SETEX key ttl value; PUBLISH key value; EXEC`.
 * The key value, its TTL and the channel message are the same as Celery's.
 */
import { defineScript } from '@celerity/redis-common/internal';

/**
 * Stores one or more results. KEYS = result keys (each also its channel); ARGV[1] = how to read a
 * stored value for the SUCCESS check: `json`, `msgpack`, or `none` (the caller checked);
 * ARGV[2] = TTL in seconds (0 = none); ARGV[2 + i] = the value for KEYS[i]. Keys are handled in
 * order, each exactly like Celery's GET-check then `SETEX` + `PUBLISH`. Returns how many were stored.
 * The `SUCCESS` substring test keeps the common path (nothing stored yet, or STARTED) free of
 * decoding; the prefix test recognises Celery's own values without decoding either. Many keys per
 * call because one script call per result costs several times more than the work it does.
 */
export const STORE_SCRIPT = defineScript(
  'store',
  `
local mode = ARGV[1]
local ttl = tonumber(ARGV[2])
local stored = 0
for i = 1, #KEYS do
  local key = KEYS[i]
  local value = ARGV[i + 2]
  local keep = false
  if mode ~= 'none' then
    local current = redis.call('GET', key)
    if current and string.find(current, 'SUCCESS', 1, true) then
      if string.sub(current, 1, 21) == '{"status": "SUCCESS",' then
        keep = true
      else
        local ok, meta = false, nil
        if mode == 'json' then
          ok, meta = pcall(cjson.decode, current)
        elseif mode == 'msgpack' then
          ok, meta = pcall(cmsgpack.unpack, current)
        end
        keep = ok and type(meta) == 'table' and meta['status'] == 'SUCCESS'
      end
    end
  end
  if not keep then
    if ttl > 0 then
      redis.call('SETEX', key, ttl, value)
    else
      redis.call('SET', key, value)
    end
    redis.call('PUBLISH', key, value)
    stored = stored + 1
  end
end
return stored
`,
);

/** Results per STORE_SCRIPT call in `storeMany`: big enough to amortise the call, small enough not to stall Redis. */
export const STORE_BATCH = 64;
