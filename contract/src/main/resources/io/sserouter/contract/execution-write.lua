-- Writes one sequenced execution event: appends it to the replay log, replaces the snapshot and publishes it.
-- Does nothing when the seq is not newer than what Redis already holds, so a write repeated after a crash changes
-- nothing. Every key is the execution's (its owner's log is written by user-log-append.lua, a separate call).
-- KEYS: log, status, channel.
-- ARGV: seq, envelope, snapshot, log maxlen, log ttl ms, status ttl ms, the event's identity (kept with the log entry:
--       a sequencer restarted after a crash matches the events it processes again with the seqs they already have),
--       '1' to refuse the write when the execution's keys end below seq - 1 (else '0').
-- While the log exists, Redis itself refuses an id not above its last; once the log has expired, the snapshot's
-- last_seq is checked instead (decoding it on every write would cost a third of the script), so an old seq never
-- rewinds the snapshot. Seqs are written in order without gaps, so keys that end below seq - 1 lost writes they had
-- acknowledged (a master lost them in a failover): with the check, the script then writes nothing and says so, and
-- the caller writes the missing seqs first if it still has them.
-- Returns 1 when written, 0 when already present, 'behind:<last seq held>' when refused by the check.
local seq = tonumber(ARGV[1])
local check = ARGV[8] == '1' and seq > 1
if redis.call('EXISTS', KEYS[1]) == 0 then
  local current = redis.call('GET', KEYS[2])
  if current then
    local ok, snapshot = pcall(cjson.decode, current)
    local last = ok and type(snapshot) == 'table' and tonumber(snapshot['last_seq'])
    if last and last >= seq then
      return 0
    end
    if check and last and last < seq - 1 then
      return 'behind:' .. last
    end
  end
elseif check then
  local last = tonumber(string.match(redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)[1][1], '^%d+'))
  if last < seq - 1 then
    return 'behind:' .. last
  end
end
local added = redis.pcall('XADD', KEYS[1], 'MAXLEN', ARGV[4], ARGV[1] .. '-0', 'event', ARGV[2], 'identity', ARGV[7])
if type(added) == 'table' and added['err'] then
  if string.find(added['err'], 'equal or smaller', 1, true) then return 0 end
  return redis.error_reply(added['err'])
end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[6])
redis.call('PUBLISH', KEYS[3], ARGV[2])
return 1
