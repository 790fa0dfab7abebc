/**
 * Lua for `RedisRoster`: each change of a roster is one atomic step, so two nodes never both see a
 * key free, and exactly one survivor sweeps a dead node. Per roster R (prefix P):
 *   P r:h:R  hash key -> holder count      P r:v:R  hash key -> value
 *   P r:m:R  hash "key\0holder" -> node id
 *   P r:node:N  set of "R\0key\0holder" held by node N      P r:nodes  zset node -> last heartbeat (ms, Redis clock)
 * Keys of other rosters are derived inside the sweep, so this needs one Redis (not Redis Cluster).
 */

/** KEYS: h, v, m, node set. ARGV: key, holder, node, exclusive, hasValue, value, roster. -2 duplicate, -1 taken, else holders. */
export const ROSTER_ADD = `
local field = ARGV[1] .. '\\0' .. ARGV[2]
if redis.call('HEXISTS', KEYS[3], field) == 1 then return -2 end
if ARGV[4] == '1' and redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return -1 end
redis.call('HSET', KEYS[3], field, ARGV[3])
redis.call('SADD', KEYS[4], ARGV[7] .. '\\0' .. field)
if ARGV[5] == '1' then redis.call('HSET', KEYS[2], ARGV[1], ARGV[6]) end
return redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
`;

/** KEYS: h, v, m. ARGV: key, holder, roster, prefix. -1 when not held, else holders left. */
export const ROSTER_REMOVE = `
local field = ARGV[1] .. '\\0' .. ARGV[2]
local node = redis.call('HGET', KEYS[3], field)
if not node then return -1 end
redis.call('HDEL', KEYS[3], field)
redis.call('SREM', ARGV[4] .. 'r:node:' .. node, ARGV[3] .. '\\0' .. field)
local n = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
if n <= 0 then
  redis.call('HDEL', KEYS[1], ARGV[1])
  redis.call('HDEL', KEYS[2], ARGV[1])
end
return n
`;

/** KEYS: v, m. ARGV: key, holder, value. Only a holder writes the value. */
export const ROSTER_SET_VALUE = `
if redis.call('HEXISTS', KEYS[2], ARGV[1] .. '\\0' .. ARGV[2]) == 0 then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
`;

/**
 * KEYS: nodes. ARGV: node. Returns {added, ms since this node's previous beat (-1: none)}; added = 1 when
 * the node was not in the set (first beat, swept, or Redis lost its data).
 */
export const ROSTER_HEARTBEAT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local previous = redis.call('ZSCORE', KEYS[1], ARGV[1])
local added = redis.call('ZADD', KEYS[1], now, ARGV[1])
if previous then return { added, now - tonumber(previous) } end
return { added, -1 }
`;

/**
 * KEYS: nodes. ARGV: prefix, node timeout ms. Removes every node silent for longer than the timeout
 * and all its holds; returns them flat: roster, key, holder, value ('' = none), holders left.
 */
export const ROSTER_SWEEP = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local dead = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
local out = {}
local p = ARGV[1]
for _, node in ipairs(dead) do
  redis.call('ZREM', KEYS[1], node)
  local set = p .. 'r:node:' .. node
  for _, m in ipairs(redis.call('SMEMBERS', set)) do
    local a = string.find(m, '\\0', 1, true)
    local b = string.find(m, '\\0', a + 1, true)
    local roster = string.sub(m, 1, a - 1)
    local key = string.sub(m, a + 1, b - 1)
    local holder = string.sub(m, b + 1)
    local h, v = p .. 'r:h:' .. roster, p .. 'r:v:' .. roster
    redis.call('HDEL', p .. 'r:m:' .. roster, key .. '\\0' .. holder)
    local value = redis.call('HGET', v, key) or ''
    local n = redis.call('HINCRBY', h, key, -1)
    if n <= 0 then
      redis.call('HDEL', h, key)
      redis.call('HDEL', v, key)
    end
    table.insert(out, roster)
    table.insert(out, key)
    table.insert(out, holder)
    table.insert(out, value)
    table.insert(out, n)
  end
  redis.call('DEL', set)
end
return out
`;
