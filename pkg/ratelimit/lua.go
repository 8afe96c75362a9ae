package ratelimit

import "github.com/redis/go-redis/v9"

// The three scripts share one calling convention so one Go function
// builds the arguments and one parses the reply:
//
//	KEYS[1]  one hash holding the state of every limit of one identifier,
//	         its fields named by the limit's period ("60000000c"); a key
//	         carries the identifier as its {hash tag}
//	ARGV[1]  time offset in microseconds added to Redis TIME (tests only;
//	         always 0 in production)
//	ARGV[2]  cost of this request
//	ARGV[3]  "1" when a refused request consumes quota too
//	ARGV[4+3(i-1)..]  limit i: rate, period in microseconds, burst
//
// The reply is a flat list: allowed (0 or 1), the time of the decision in
// microseconds (Redis TIME plus the offset), then for each limit its
// remaining units, the microseconds until additional quota is made
// available (the remaining count next grows: the window's end for the
// fixed window, the next unit the sliding window or GCRA returns; what
// the IETF draft's RateLimit "t" means), and the microseconds until a
// refused request could pass (0 when this limit allowed it). Both waits
// are computed on the state after this request, which a refused request
// changes only with ARGV[3].
//
// A script decides every limit before writing anything: a request refused
// by one limit consumes none (unless ARGV[3] says so). Redis TIME is the
// only clock, so every gateway node agrees. Redis 7 replicates a script's
// effects, not the script, which is what makes TIME usable before writes;
// redis.replicate_commands asks the same of Redis 3.2 to 6.
//
// One hash for all limits keeps a decision at four commands inside the
// script whatever the number of limits (TIME, HMGET, HSET, PEXPIRE): each
// redis.call costs about as much as the command itself, and a key per
// limit took three per limit. The hash lives as long as its longest
// window needs; shorter windows' fields are judged by their window index.

// luaCommit ends every script: the state of all limits is written in one
// HSET when the request is counted, and the key lives as long as its
// longest window needs it (ttl in microseconds, PEXPIRE in milliseconds).
const luaCommit = `
if consume then
  redis.call('HSET', key, unpack(set))
  redis.call('PEXPIRE', key, math.ceil(ttl / 1000) + 1000)
end
return reply
`

// luaPrelude starts every script: it reads the shared arguments.
const luaPrelude = `
if redis.replicate_commands then redis.replicate_commands() end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2]) + tonumber(ARGV[1])
local cost = tonumber(ARGV[2])
local count_rejected = ARGV[3] == '1'
local n = (#ARGV - 3) / 3
local key = KEYS[1]
local allowed = 1
local reply = {0, now}
local ttl = 0
`

// slidingScript is the sliding-window counter: a counter for the current
// fixed window and one for the previous, the previous weighted by how much
// of it still overlaps the sliding window (Cloudflare's approximation).
// State per limit: fields <period>w = window index, <period>c = current
// count, <period>p = previous count. wait is how long until need units
// fit: the previous window's weight decays during this window, and the
// current count starts to decay when the next one begins.
var slidingScript = redis.NewScript(luaPrelude + `
local function wait(limit, period, elapsed, c, p, need)
  local r
  if need > limit then
    r = 2 * period - elapsed
  elseif c + need <= limit then
    r = math.ceil(period - elapsed - (limit - c - need) * period / p)
  else
    local e = math.ceil(period - (limit - need) * period / c)
    if e < 0 then e = 0 end
    r = period - elapsed + e
  end
  if r < 1 then r = 1 end
  return r
end
local fields = {}
for i = 1, n do
  local pf = ARGV[2 + 3 * i]
  fields[3 * i - 2], fields[3 * i - 1], fields[3 * i] = pf .. 'w', pf .. 'c', pf .. 'p'
end
local h = redis.call('HMGET', key, unpack(fields))
local st = {}
for i = 1, n do
  local limit = tonumber(ARGV[1 + 3 * i])
  local period = tonumber(ARGV[2 + 3 * i])
  local win = math.floor(now / period)
  local elapsed = now - win * period
  local w, c, p = tonumber(h[3 * i - 2]), tonumber(h[3 * i - 1]) or 0, tonumber(h[3 * i]) or 0
  if w == win - 1 then
    p, c = c, 0
  elseif w ~= win then
    p, c = 0, 0
  end
  local weight = p * (period - elapsed) / period
  local ok = weight + c + cost <= limit
  if not ok then allowed = 0 end
  st[i] = {limit, period, win, elapsed, c, p, weight, ok}
end
local consume = allowed == 1 or count_rejected
reply[1] = allowed
local set = {}
for i = 1, n do
  local s = st[i]
  local limit, period, win, elapsed, c, p, weight, ok = s[1], s[2], s[3], s[4], s[5], s[6], s[7], s[8]
  if consume then
    c = c + cost
    local k = #set
    set[k + 1], set[k + 2], set[k + 3], set[k + 4], set[k + 5], set[k + 6] =
      fields[3 * i - 2], win, fields[3 * i - 1], c, fields[3 * i], p
    if 2 * period - elapsed > ttl then ttl = 2 * period - elapsed end
  end
  local retry = 0
  if not ok then retry = wait(limit, period, elapsed, c, p, cost) end
  local rem = math.floor(limit - weight - c)
  if rem < 0 then rem = 0 end
  local reset = period - elapsed
  if rem < limit then reset = wait(limit, period, elapsed, c, p, rem + 1) end
  reply[#reply + 1] = rem
  reply[#reply + 1] = reset
  reply[#reply + 1] = retry
end
` + luaCommit)

// fixedScript is the fixed window: one counter per window, windows aligned
// to multiples of the period since the Unix epoch, as Kong's rate-limiting
// aligns them (kong/tools/timestamp.lua get_timestamps). State per limit:
// fields <period>w = window index, <period>c = count.
var fixedScript = redis.NewScript(luaPrelude + `
local fields = {}
for i = 1, n do
  local pf = ARGV[2 + 3 * i]
  fields[2 * i - 1], fields[2 * i] = pf .. 'w', pf .. 'c'
end
local h = redis.call('HMGET', key, unpack(fields))
local st = {}
for i = 1, n do
  local limit = tonumber(ARGV[1 + 3 * i])
  local period = tonumber(ARGV[2 + 3 * i])
  local win = math.floor(now / period)
  local elapsed = now - win * period
  local c = 0
  if tonumber(h[2 * i - 1]) == win then c = tonumber(h[2 * i]) or 0 end
  local ok = c + cost <= limit
  if not ok then allowed = 0 end
  st[i] = {limit, period, win, elapsed, c, ok}
end
local consume = allowed == 1 or count_rejected
reply[1] = allowed
local set = {}
for i = 1, n do
  local s = st[i]
  local limit, period, win, elapsed, c, ok = s[1], s[2], s[3], s[4], s[5], s[6]
  local retry = 0
  if not ok then retry = period - elapsed end
  if consume then
    c = c + cost
    local k = #set
    set[k + 1], set[k + 2], set[k + 3], set[k + 4] = fields[2 * i - 1], win, fields[2 * i], c
    if period - elapsed > ttl then ttl = period - elapsed end
  end
  local rem = limit - c
  if rem < 0 then rem = 0 end
  reply[#reply + 1] = rem
  reply[#reply + 1] = period - elapsed
  reply[#reply + 1] = retry
end
` + luaCommit)

// gcraScript is the generic cell rate algorithm: per limit the theoretical
// arrival time (TAT) in microseconds, field <period>; one unit is emitted every
// period/rate, and up to burst units may be taken at once.
var gcraScript = redis.NewScript(luaPrelude + `
local fields = {}
for i = 1, n do
  fields[i] = ARGV[2 + 3 * i]
end
local h = redis.call('HMGET', key, unpack(fields))
local st = {}
for i = 1, n do
  local limit = tonumber(ARGV[1 + 3 * i])
  local period = tonumber(ARGV[2 + 3 * i])
  local burst = tonumber(ARGV[3 + 3 * i])
  local interval = period / limit
  local tat = tonumber(h[i]) or now
  if tat < now then tat = now end
  local new_tat = tat + cost * interval
  local allow_at = new_tat - burst * interval
  local ok = allow_at <= now
  if not ok then allowed = 0 end
  st[i] = {interval, burst, tat, new_tat, allow_at, ok}
end
local consume = allowed == 1 or count_rejected
reply[1] = allowed
local set = {}
for i = 1, n do
  local s = st[i]
  local interval, burst, tat, new_tat, allow_at, ok = s[1], s[2], s[3], s[4], s[5], s[6]
  if consume then
    tat = new_tat
    local k = #set
    set[k + 1], set[k + 2] = fields[i], tat
    if tat - now > ttl then ttl = tat - now end
  end
  local retry = 0
  if not ok then
    retry = math.ceil(tat + (cost - burst) * interval - now)
    if cost > burst then retry = math.ceil(tat + cost * interval - now) end
  end
  local rem = math.floor(burst - (tat - now) / interval + 1e-9)
  if rem < 0 then rem = 0 end
  local reset = math.ceil(tat - now - (burst - rem - 1) * interval)
  if reset < 0 then reset = 0 end
  reply[#reply + 1] = rem
  reply[#reply + 1] = reset
  reply[#reply + 1] = retry
end
` + luaCommit)
