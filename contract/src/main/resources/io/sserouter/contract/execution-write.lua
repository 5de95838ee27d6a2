-- Writes one sequenced execution event: appends it to the replay log, replaces the snapshot, publishes it, and
-- lists the execution in its owner's index of recently active executions. Does nothing when the seq is not newer
-- than what Redis already holds, so a write repeated after a crash changes nothing.
-- KEYS: log, status, channel.
-- ARGV: seq, envelope, snapshot, log maxlen, log ttl ms, status ttl ms, now ms, user index key prefix,
--       user index length, execution id.
-- The snapshot check also covers a log that has already expired: an old seq never rewinds the snapshot.
-- Returns 1 when written, 0 when already present.
local seq = tonumber(ARGV[1])
local current = redis.call('GET', KEYS[2])
if current then
  local ok, snapshot = pcall(cjson.decode, current)
  if ok and type(snapshot) == 'table' and tonumber(snapshot['last_seq']) and tonumber(snapshot['last_seq']) >= seq then
    return 0
  end
end
local added = redis.pcall('XADD', KEYS[1], 'MAXLEN', ARGV[4], ARGV[1] .. '-0', 'event', ARGV[2])
if type(added) == 'table' and added['err'] then
  if string.find(added['err'], 'equal or smaller', 1, true) then return 0 end
  return redis.error_reply(added['err'])
end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[6])
redis.call('PUBLISH', KEYS[3], ARGV[2])
local ok, after = pcall(cjson.decode, ARGV[3])
if ok and type(after) == 'table' and type(after['owner']) == 'string' then
  local index = ARGV[8] .. after['owner'] .. ':executions'
  if redis.call('ZADD', index, ARGV[7], ARGV[10]) == 1 then
    redis.call('ZREMRANGEBYRANK', index, 0, -(tonumber(ARGV[9]) + 1))
  end
  redis.call('PEXPIRE', index, ARGV[6])
end
return 1
