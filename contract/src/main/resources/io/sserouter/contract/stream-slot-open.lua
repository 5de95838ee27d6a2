-- Takes a slot for a new stream of one user, across every edge instance: drops streams whose instance stopped
-- refreshing them, adds this one, and evicts the oldest beyond the limit. Both keys are the user's, so in a Redis
-- Cluster they share one slot; the caller tells the evicted streams to end through the kick channel, which lives in
-- another slot.
-- KEYS: the user's streams by opening time, the same streams by deadline (when each stops counting unless refreshed).
-- ARGV: stream id, now ms, deadline ms (now + slot ttl), limit, slot ttl ms.
-- Returns the ids of the evicted streams, oldest first.
local now = tonumber(ARGV[2])
for _, member in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local deadline = redis.call('ZSCORE', KEYS[2], member)
  if not deadline or tonumber(deadline) < now then
    redis.call('ZREM', KEYS[1], member)
    redis.call('ZREM', KEYS[2], member)
  end
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
local evicted = {}
while redis.call('ZCARD', KEYS[1]) > tonumber(ARGV[4]) do
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0)[1]
  redis.call('ZREM', KEYS[1], oldest)
  redis.call('ZREM', KEYS[2], oldest)
  evicted[#evicted + 1] = oldest
end
return evicted
