/**
 * Lua run inside Redis, so that numbering, journaling and publishing a broadcast are one atomic
 * step: the journal's order is the order every node receives.
 * Keys of a journaled channel: KEYS[1] = hash {epoch, run, seq}, KEYS[2] = list of "seq ms payload".
 */

/**
 * Starts a journal (new epoch) unless Redis holds the one this very server has been writing: none
 * at all (first start, restarted empty, flushed), or one written under another server run — a
 * restart (even one that reloaded a snapshot: its tail may be gone) or a replica promoted after a
 * failover (it may lack the master's last broadcasts). Sequence numbers restart at 1 only in a new
 * epoch, so a node can never mistake a restarted journal for the one it knew. ARGV[1] must be a
 * fresh random candidate on every call: one reused (e.g. per process) would give a restarted
 * journal the old epoch again.
 */
const ENSURE_EPOCH = `
local run = string.match(redis.call('INFO', 'server'), 'run_id:(%x+)')
local known = redis.call('HMGET', KEYS[1], 'epoch', 'run')
local epoch = known[1]
if not epoch or known[2] ~= run then
  epoch = ARGV[1]
  redis.call('DEL', KEYS[1], KEYS[2])
  redis.call('HSET', KEYS[1], 'epoch', epoch, 'run', run)
end
`;

/**
 * A once-key (BroadcastOnce): KEYS[3], with its TTL in ms as ARGV[6] ('0' = no once-key). A key
 * already set means a duplicate: the script returns 0 and publishes nothing.
 */
const ONCE = `
if tonumber(ARGV[6]) > 0 and not redis.call('SET', KEYS[3], '1', 'PX', ARGV[6], 'NX') then return 0 end
`;

/**
 * KEYS[3]: once-key. ARGV: epoch candidate, redis channel, payload, retention ms, max entries,
 * once TTL. Returns the seq, or 0 for a duplicate.
 */
export const JOURNALED_BROADCAST = `${ONCE}${ENSURE_EPOCH}
local seq = redis.call('HINCRBY', KEYS[1], 'seq', 1)
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('RPUSH', KEYS[2], seq .. ' ' .. now .. ' ' .. ARGV[3])
local len = redis.call('LLEN', KEYS[2])
local max = tonumber(ARGV[5])
if len > max then redis.call('LTRIM', KEYS[2], len - max, -1) end
local cutoff = now - tonumber(ARGV[4])
while true do
  local head = redis.call('LINDEX', KEYS[2], 0)
  if not head then break end
  if tonumber(string.match(head, '^%d+ (%d+) ')) >= cutoff then break end
  redis.call('LPOP', KEYS[2])
end
redis.call('PEXPIRE', KEYS[2], ARGV[4])
redis.call('PUBLISH', ARGV[2], epoch .. ' ' .. seq .. ' ' .. ARGV[3])
return seq
`;

/** ARGV: epoch candidate. Returns {epoch, seq} of the last broadcast. */
export const JOURNAL_HEAD = `${ENSURE_EPOCH}
return { epoch, redis.call('HGET', KEYS[1], 'seq') or '0' }
`;

/** ARGV: epoch, from seq (excluded), upto seq (included). Returns the entries, or nil if not all are held. */
export const JOURNAL_READ = `
if redis.call('HGET', KEYS[1], 'epoch') ~= ARGV[1] then return false end
local from = tonumber(ARGV[2])
local head = redis.call('LINDEX', KEYS[2], 0)
if not head then return false end
local first = tonumber(string.match(head, '^(%d+) '))
if first > from + 1 then return false end
return redis.call('LRANGE', KEYS[2], from + 1 - first, tonumber(ARGV[3]) - first)
`;

/** KEYS[1]: once-key. ARGV: redis channel, payload, once TTL ms. Returns 1, or 0 for a duplicate. */
export const ONCE_PUBLISH = `
if not redis.call('SET', KEYS[1], '1', 'PX', ARGV[3], 'NX') then return 0 end
redis.call('PUBLISH', ARGV[1], ARGV[2])
return 1
`;
