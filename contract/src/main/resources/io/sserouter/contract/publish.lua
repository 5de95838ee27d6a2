-- Publishes one message.
-- KEYS: the channel (declared as a key so that a cluster client sends it to the node that owns the channel's slot,
-- which sharded pub/sub requires).
-- ARGV: the message.
-- Returns how many subscribers received it on the node that ran the script.
return redis.call('PUBLISH', KEYS[1], ARGV[1])
