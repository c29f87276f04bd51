/**
 * Lua scripts, run with @celerity/redis-common's `runScript` (EVALSHA, EVAL again after NOSCRIPT).
 *
 * STORE does Celery's store in one server call, atomically: Celery's worker GETs the key, skips the
 * write when the stored status is SUCCESS, else runs `MULTI; SETEX key ttl value; PUBLISH key value; EXEC`.
 * The key value, its TTL and the channel message are the same as Celery's. The script fences a little
 * more than Celery (core's `replacesStoredState`): a stored FAILURE / REVOKED is replaced by a SUCCESS
 * only. Python workers writing to the same keys keep Celery's own (SUCCESS-only, non-atomic) check.
 */
import { defineScript } from '@celerity/redis-common/internal';

/**
 * Stores one or more results. KEYS = result keys (each also its channel); ARGV[1] = how to read a
 * stored value's status: `json`, `msgpack`, or `none` (the caller checked, write everything);
 * ARGV[2] = TTL in seconds (0 = none); ARGV[3] = one letter per key saying what the new value's
 * status is: `S` SUCCESS, `F` another ready state (FAILURE, REVOKED), `N` not ready (STARTED, RETRY…);
 * ARGV[3 + i] = the value for KEYS[i]. Keys are handled in order (a repeated key sees the value just
 * written); a key is written (`SETEX`/`SET` + `PUBLISH`) unless its stored status is SUCCESS, or
 * FAILURE / REVOKED and the new one is not SUCCESS. Returns how many were written.
 * Reading the status: nothing stored (the common case) costs one GET; a value in Celery's JSON
 * layout (`{"status": "…`, status first) is read by position without decoding; any other value is
 * decoded only when one of the three ready words occurs in it at all. Many keys per call because one
 * script call per result costs several times more than the work it does.
 */
export const STORE_SCRIPT = defineScript(
  'store',
  `
local mode = ARGV[1]
local ttl = tonumber(ARGV[2])
local kinds = ARGV[3]
local function stored_kind(current)
  if string.sub(current, 1, 12) == '{"status": "' then
    local word = string.sub(current, 13, 20)
    if word == 'SUCCESS"' then return 'S' end
    if word == 'FAILURE"' or word == 'REVOKED"' then return 'F' end
    return 'N'
  end
  if not (string.find(current, 'SUCCESS', 1, true) or string.find(current, 'FAILURE', 1, true) or string.find(current, 'REVOKED', 1, true)) then
    return 'N'
  end
  local ok, meta = false, nil
  if mode == 'json' then
    ok, meta = pcall(cjson.decode, current)
  elseif mode == 'msgpack' then
    ok, meta = pcall(cmsgpack.unpack, current)
  end
  if not (ok and type(meta) == 'table') then return 'N' end
  local status = meta['status']
  if status == 'SUCCESS' then return 'S' end
  if status == 'FAILURE' or status == 'REVOKED' then return 'F' end
  return 'N'
end
local stored = 0
for i = 1, #KEYS do
  local key = KEYS[i]
  local value = ARGV[i + 3]
  local keep = false
  if mode ~= 'none' then
    local current = redis.call('GET', key)
    if current then
      local was = stored_kind(current)
      keep = was == 'S' or (was == 'F' and string.sub(kinds, i, i) ~= 'S')
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

/**
 * Records one finished chord header task (Celery's `on_chord_part_return` transaction, plus a check
 * Celery lacks): KEYS = `.j`, `.t`, `.s`; ARGV[1] = score (`group_index` or `+inf`), ARGV[2] = the
 * encoded `[1, id, state, result]` entry, ARGV[3] = the bytes that start every entry of this task
 * (the entry up to and including its id, and one byte more), ARGV[4] = TTL in seconds (0 = none).
 * An entry of the same task already in `.j` (a header task run twice, its second result different
 * from the first) is not added again: ZADD alone only dedupes byte-identical entries, and a second
 * entry would count the part twice. Only entries with the same score are compared (a part's own
 * `group_index`; tasks added to a chord by `replace` share it, so the score alone cannot tell).
 * Returns `{added, count, .t, .s}` as Celery's MULTI reads them.
 */
export const CHORD_PART_SCRIPT = defineScript(
  'chord-part',
  `
local score = ARGV[1]
local prefix = ARGV[3]
local ttl = tonumber(ARGV[4])
local seen = false
if score ~= '+inf' then
  for _, entry in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], score, score)) do
    if string.sub(entry, 1, #prefix) == prefix then
      seen = true
      break
    end
  end
end
local added = 0
if not seen then added = redis.call('ZADD', KEYS[1], score, ARGV[2]) end
local count = redis.call('ZCOUNT', KEYS[1], '-inf', '+inf')
local extra = redis.call('GET', KEYS[2])
local size = redis.call('GET', KEYS[3])
if ttl > 0 then
  redis.call('EXPIRE', KEYS[1], ttl)
  redis.call('EXPIRE', KEYS[2], ttl)
  redis.call('EXPIRE', KEYS[3], ttl)
end
return {added, count, extra, size}
`,
);

/** Results per STORE_SCRIPT call in `storeMany`: big enough to amortise the call, small enough not to stall Redis. */
export const STORE_BATCH = 64;
