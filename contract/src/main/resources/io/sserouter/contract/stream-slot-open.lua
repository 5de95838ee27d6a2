-- Takes a slot for a new stream of one user, across every edge instance: drops slots whose instance stopped
-- refreshing them, adds this one, and evicts the oldest beyond the limit through the kick channel.
-- KEYS: the user's slot set. ARGV: stream id, now ms, limit, slot ttl ms, slot key prefix, kick channel.
-- Returns how many streams were evicted.
for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if redis.call('EXISTS', ARGV[5] .. member) == 0 then redis.call('ZREM', KEYS[1], member) end
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('SET', ARGV[5] .. ARGV[1], '1', 'PX', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[4])
local evicted = 0
while redis.call('ZCARD', KEYS[1]) > tonumber(ARGV[3]) do
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0)[1]
  redis.call('ZREM', KEYS[1], oldest)
  redis.call('DEL', ARGV[5] .. oldest)
  redis.call('PUBLISH', ARGV[6], oldest)
  evicted = evicted + 1
end
return evicted
