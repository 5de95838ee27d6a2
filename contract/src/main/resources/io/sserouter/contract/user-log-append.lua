-- Appends one execution event to its owner's log, the user stream's source: every event of every execution the
-- user owns, in one order that every edge instance replays alike. Each entry records the id of the entry before
-- it ('prev'), so a reader tells a gap (entries trimmed or expired) from entries that never existed. Does nothing
-- when this execution's event is already in the log (the marker holds the highest seq appended), so a write
-- repeated after a crash changes nothing, and events written before the owner was known are appended in seq order
-- by the calls that precede this one. Every key is the user's, so in a Redis Cluster they share one slot.
-- KEYS: user log, user's last entry id, appended-seq marker of this execution, user's executions, user channel.
-- ARGV: seq, envelope, execution id, now ms, log maxlen (0: no log, only the user's executions), log ttl ms, ttl ms
--       of the last id, marker and executions, executions kept.
-- Entry ids are {ms}-{n}, never below the last one (a clock that steps back reuses the last ms).
-- Publishes '{id} {prev} {envelope}'. Returns 1 when appended, 0 when already present.
local seq = tonumber(ARGV[1])
local found = redis.call('MGET', KEYS[3], KEYS[2])
local appended = tonumber(found[1] or '0')
if appended and appended >= seq then return 0 end
local ms = ARGV[4]
local id, prev
if ARGV[5] ~= '0' then
  prev = found[2] or '0-0'
  local prevMs, prevN = string.match(prev, '^(%d+)-(%d+)$')
  if prevMs == nil or tonumber(ARGV[4]) > tonumber(prevMs) then
    id = ARGV[4] .. '-0'
  else
    ms = prevMs
    id = prevMs .. '-' .. (tonumber(prevN) + 1)
  end
  redis.call('XADD', KEYS[1], 'MAXLEN', ARGV[5], id, 'prev', prev, 'event', ARGV[2])
  redis.call('PEXPIRE', KEYS[1], ARGV[6])
  redis.call('SET', KEYS[2], id, 'PX', ARGV[7])
end
redis.call('SET', KEYS[3], ARGV[1], 'PX', ARGV[7])
if redis.call('ZADD', KEYS[4], ms, ARGV[3]) == 1 then
  redis.call('ZREMRANGEBYRANK', KEYS[4], 0, -(tonumber(ARGV[8]) + 1))
end
redis.call('PEXPIRE', KEYS[4], ARGV[7])
if id then
  redis.call('PUBLISH', KEYS[5], id .. ' ' .. prev .. ' ' .. ARGV[2])
end
return 1
