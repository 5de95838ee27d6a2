-- Writes one sequenced execution event: appends it to the replay log, replaces the snapshot and publishes it.
-- Does nothing when the seq is not newer than what Redis already holds, so a write repeated after a crash changes
-- nothing. Every key is the execution's (its owner's log is written by user-log-append.lua, a separate call).
-- KEYS: log, status, channel.
-- ARGV: seq, envelope, snapshot, log maxlen, log ttl ms, status ttl ms, the event's identity (kept with the log entry:
--       a sequencer restarted after a crash matches the events it processes again with the seqs they already have).
-- While the log exists, Redis itself refuses an id not above its last; once the log has expired, the snapshot's
-- last_seq is checked instead (decoding it on every write would cost a third of the script), so an old seq never
-- rewinds the snapshot. Returns 1 when written, 0 when already present.
local seq = tonumber(ARGV[1])
local current = redis.call('EXISTS', KEYS[1]) == 0 and redis.call('GET', KEYS[2])
if current then
  local ok, snapshot = pcall(cjson.decode, current)
  if ok and type(snapshot) == 'table' and tonumber(snapshot['last_seq']) and tonumber(snapshot['last_seq']) >= seq then
    return 0
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
