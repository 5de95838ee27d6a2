-- Publishes a notification or system event once: events without a seq are deduplicated by a marker key.
-- KEYS: published marker, channel, and the latest hash when ARGV[3] names a field (all in one cluster slot).
-- ARGV: envelope, marker ttl ms, hash field ('' = none).
-- Returns 1 when published, 0 when the marker says it already was.
if not redis.call('SET', KEYS[1], '1', 'NX', 'PX', ARGV[2]) then return 0 end
if ARGV[3] ~= '' then redis.call('HSET', KEYS[3], ARGV[3], ARGV[1]) end
redis.call('PUBLISH', KEYS[2], ARGV[1])
return 1
