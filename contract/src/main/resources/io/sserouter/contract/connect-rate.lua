-- Counts one connection attempt of a user in the current window and makes sure the counter expires: the count and
-- its expiry are one step, so no counter is ever left behind without one.
-- KEYS: the user's counter for this window. ARGV: counter ttl ms.
-- Returns the count, this attempt included.
local count = redis.call('INCR', KEYS[1])
if redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return count
