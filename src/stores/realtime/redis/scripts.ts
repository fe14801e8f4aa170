/**
 * Lua scripts of the Redis realtime store (key scheme in keys.ts). A script runs atomically, so
 * no reader or other batch sees an event_id's dedupe marker without the updates it causes. Redis
 * does not roll back a script that fails half-way, so the `#!lua` line (Redis ≥ 7.0) is there to
 * make Redis refuse the writing scripts up front when it is out of memory; after that only a
 * foreign client writing a wrong-typed value under our prefix could stop the script mid-batch.
 * The read scripts declare `no-writes`, so they may run on replicas too.
 *
 * Every script works on one site: KEYS[1] is the site's K, and every key it touches is K followed by
 * a suffix, so all of them carry K's `{site}` hash tag. On Redis Cluster the client sends the call to
 * the master owning that slot, and the script never reaches a key of another slot.
 */

/** Fields per event in the apply script's ARGV, after the header. */
export const APPLY_STRIDE = 15;
/** Header entries of the apply script's ARGV. */
export const APPLY_HEADER = 11;

/**
 * KEYS[1]: the site's K; every event of the call belongs to that site.
 * ARGV: dedupeTtlSeconds, activeWindowMs, sessionWindowMs, hourMinutes, epsSeriesSeconds,
 *       minuteTtlSeconds, secondTtlSeconds, userSessionsTtlSeconds, positionTtlSeconds, feedCap, stride,
 * then per event: event_id, user_id, session_id, ts, minute, second, path,
 *       kind ('p' page_view | 'q' page_view that is a quick exit (known duration under 5 s) | 'm' mouse_move |
 *       'o' other | 'b' bot traffic its site does not count),
 *       x, y, vw, vh, heat cell ('cx:cy' or ''), feed JSON, bot name ('' for a human).
 * A 'b' event raises `newest` and counts in the bot figures only; a counted bot (its own kind) in both.
 * Returns { applied, duplicates }.
 */
export const applyScript = `#!lua
local k = KEYS[1]
local dedupeTtl = ARGV[1]
local activeMs = tonumber(ARGV[2])
local sessionMs = tonumber(ARGV[3])
local hourMinutes = tonumber(ARGV[4])
local seriesSeconds = tonumber(ARGV[5])
local minuteTtl = ARGV[6]
local secondTtl = ARGV[7]
local userSessionsTtl = ARGV[8]
local positionTtl = ARGV[9]
local feedCap = tonumber(ARGV[10])
local stride = tonumber(ARGV[11])

local call = redis.call
local floor = math.floor
local s = nil
local applied, duplicates = 0, 0

-- Calls fn with list in slices, so unpack never exceeds Lua's stack.
local function sliced(list, fn)
  for i = 1, #list, 1000 do fn(unpack(list, i, math.min(i + 999, #list))) end
end

local function add(map, key, by)
  map[key] = (map[key] or 0) + by
end

local function child(map, key)
  local value = map[key]
  if not value then
    value = {}
    map[key] = value
  end
  return value
end

-- 1. Dedupe each event and fold what it changes into per-batch tables (no writes besides the marker).
for b = ${APPLY_HEADER + 1}, #ARGV, stride do
  if call('SET', k .. 'seen:' .. ARGV[b], '1', 'NX', 'EX', dedupeTtl) then
    applied = applied + 1
    local user, session, tsText, minuteText = ARGV[b + 1], ARGV[b + 2], ARGV[b + 3], ARGV[b + 4]
    local secondText, path, kind = ARGV[b + 5], ARGV[b + 6], ARGV[b + 7]
    local ts = tonumber(tsText)
    if not s then
      local stored = call('GET', k .. 'newest')
      s = { newest = stored and tonumber(stored) or nil, newestText = stored, raised = false,
            users = {}, sessions = {}, pages = {}, minutePages = {}, minuteQuick = {}, minuteBots = {}, seconds = {}, heat = {}, feed = {} }
    end
    if s.newest == nil or ts > s.newest then
      s.newest, s.newestText, s.raised = ts, tsText, true
    end
    local botName = ARGV[b + 14]
    if botName ~= '' and tonumber(minuteText) > floor(s.newest / 60000) - hourMinutes then
      add(child(s.minuteBots, minuteText), botName, 1)
    end
    if kind ~= 'b' then
      local view = kind == 'p' or kind == 'q'
      local u = s.users[user]
      if not u then
        -- Most users have one session in a batch: the set of them is only built for a second one.
        u = { last = ts, lastText = tsText, minutes = {}, session1 = session }
        s.users[user] = u
      else
        if ts > u.last then u.last, u.lastText = ts, tsText end
        if session ~= u.session1 then
          if not u.session2 then u.session2, u.sessions = true, { [u.session1] = true } end
          u.sessions[session] = true
        end
      end
      if tonumber(minuteText) > floor(s.newest / 60000) - hourMinutes then
        add(u.minutes, minuteText, 1)
        if view then add(child(s.minutePages, minuteText), path, 1) end
        if kind == 'q' then add(s.minuteQuick, minuteText, 1) end
      end
      if tonumber(secondText) >= floor(s.newest / 1000) - seriesSeconds then add(s.seconds, secondText, 1) end
      if view then add(s.pages, path, 1) end

      local sess = s.sessions[session]
      if not sess then
        sess = { first = ts, firstText = tsText, last = ts, lastText = tsText, views = 0 }
        s.sessions[session] = sess
      else
        if ts < sess.first then sess.first, sess.firstText = ts, tsText end
        if ts > sess.last then sess.last, sess.lastText = ts, tsText end
      end
      if view then sess.views = sess.views + 1 end

      if kind == 'm' then
        -- The newest move wins; on equal times the one applied later, as in the memory adapter.
        if not u.move or ts >= u.move.ts then u.move = { ts = ts, b = b } end
        local cell = ARGV[b + 12]
        if cell ~= '' then add(child(s.heat, path), cell, 1) end
      end
      -- Cursor moves (up to 4 a second per visitor) would push every other event out of the feed.
      if kind ~= 'm' then s.feed[#s.feed + 1] = ARGV[b + 13] end
    end
  else
    duplicates = duplicates + 1
  end
end

-- 2. Write once per key, then prune the windows against the site's newest event.
if s then
  if s.raised then call('SET', k .. 'newest', s.newestText) end

  local active, cursors = {}, {}
  for user, u in pairs(s.users) do
    active[#active + 1] = u.lastText
    active[#active + 1] = user
    local uk = k .. 'u:' .. user .. ':'
    local hourKey = uk .. 'hour'
    -- Pruning keeps at most hourMinutes fields, so the hash can only outgrow them when a minute field
    -- is new (HINCRBY answers exactly the increment): only then is HLEN worth a call.
    local newField = false
    for minute, n in pairs(u.minutes) do
      if call('HINCRBY', hourKey, minute, n) == n then newField = true end
    end
    if newField and call('HLEN', hourKey) > hourMinutes then
      local lastOutMinute = floor(s.newest / 60000) - hourMinutes
      local old = {}
      for _, field in ipairs(call('HKEYS', hourKey)) do
        if tonumber(field) <= lastOutMinute then old[#old + 1] = field end
      end
      sliced(old, function(...) call('HDEL', hourKey, ...) end)
    end
    call('EXPIRE', hourKey, minuteTtl)
    local sessionsKey = uk .. 'sessions'
    if u.session2 then
      local sessions = {}
      for session in pairs(u.sessions) do sessions[#sessions + 1] = session end
      sliced(sessions, function(...) call('SADD', sessionsKey, ...) end)
    else
      call('SADD', sessionsKey, u.session1)
    end
    call('EXPIRE', sessionsKey, userSessionsTtl)
    if u.move then
      local b = u.move.b
      local posKey = uk .. 'pos'
      local current = call('HGET', posKey, 'ts')
      if not current or u.move.ts >= tonumber(current) then
        call('HSET', posKey, 'x', ARGV[b + 8], 'y', ARGV[b + 9], 'vw', ARGV[b + 10], 'vh', ARGV[b + 11],
             'ts', ARGV[b + 3], 'path', ARGV[b + 6])
      end
      call('EXPIRE', posKey, positionTtl)
      cursors[#cursors + 1] = ARGV[b + 3]
      cursors[#cursors + 1] = user
    end
  end
  sliced(active, function(...) call('ZADD', k .. 'active', 'GT', ...) end)
  sliced(cursors, function(...) call('ZADD', k .. 'cursors', 'GT', ...) end)

  for path, n in pairs(s.pages) do call('ZINCRBY', k .. 'pages', n, path) end
  for minute, pages in pairs(s.minutePages) do
    local key = k .. 'pages:m:' .. minute
    for path, n in pairs(pages) do call('ZINCRBY', key, n, path) end
    call('EXPIRE', key, minuteTtl)
  end
  for minute, n in pairs(s.minuteQuick) do
    local key = k .. 'quick:m:' .. minute
    call('INCRBY', key, n)
    call('EXPIRE', key, minuteTtl)
  end
  for minute, bots in pairs(s.minuteBots) do
    local key = k .. 'bots:m:' .. minute
    for name, n in pairs(bots) do call('ZINCRBY', key, n, name) end
    call('EXPIRE', key, minuteTtl)
  end
  for second, n in pairs(s.seconds) do
    local key = k .. 'eps:' .. second
    call('INCRBY', key, n)
    call('EXPIRE', key, secondTtl)
  end
  for path, cells in pairs(s.heat) do
    local key = k .. 'heat:' .. path
    for cell, n in pairs(cells) do call('HINCRBY', key, cell, n) end
  end

  local ids, lasts = {}, {}
  for session, sess in pairs(s.sessions) do
    ids[#ids + 1] = session
    lasts[#lasts + 1] = sess.lastText
    lasts[#lasts + 1] = session
    if sess.views > 0 then call('HINCRBY', k .. 'sessions:pv', session, sess.views) end
  end
  sliced(lasts, function(...) call('ZADD', k .. 'sessions', 'GT', ...) end)
  for i = 1, #ids, 500 do
    local slice = { unpack(ids, i, math.min(i + 499, #ids)) }
    local firsts = call('HMGET', k .. 'sessions:first', unpack(slice))
    local updates = {}
    for n, session in ipairs(slice) do
      local sess = s.sessions[session]
      if not firsts[n] or sess.first < tonumber(firsts[n]) then
        updates[#updates + 1] = session
        updates[#updates + 1] = sess.firstText
      end
    end
    if #updates > 0 then call('HSET', k .. 'sessions:first', unpack(updates)) end
  end

  -- LTRIM keeps the newest feedCap items, so older items of this batch would be pushed only to be cut.
  local feed = s.feed
  for i = math.max(1, #feed - feedCap + 1), #feed, 1000 do call('LPUSH', k .. 'feed', unpack(feed, i, math.min(i + 999, #feed))) end
  call('LTRIM', k .. 'feed', 0, feedCap - 1)

  local activeCutoff = s.newest - activeMs
  call('ZREMRANGEBYSCORE', k .. 'active', '-inf', activeCutoff)
  call('ZREMRANGEBYSCORE', k .. 'cursors', '-inf', activeCutoff)
  local stale = call('ZRANGEBYSCORE', k .. 'sessions', '-inf', s.newest - sessionMs)
  sliced(stale, function(...)
    call('ZREM', k .. 'sessions', ...)
    call('HDEL', k .. 'sessions:first', ...)
    call('HDEL', k .. 'sessions:pv', ...)
  end)
end

return { applied, duplicates }
`;

/**
 * KEYS[1]: the site's K. ARGV: exclusive lower bound of a session's last event (ms).
 * Returns { sessions, bounces (≤ 1 page view), total duration ms as a string }.
 */
export const sessionsScript = `#!lua flags=no-writes
local k = KEYS[1]
local rows = redis.call('ZRANGEBYSCORE', k .. 'sessions', '(' .. ARGV[1], '+inf', 'WITHSCORES')
local count, bounces, total = 0, 0, 0
for i = 1, #rows, 1000 do
  local ids, lasts = {}, {}
  for j = i, math.min(i + 998, #rows - 1), 2 do
    ids[#ids + 1] = rows[j]
    lasts[#lasts + 1] = tonumber(rows[j + 1])
  end
  local firsts = redis.call('HMGET', k .. 'sessions:first', unpack(ids))
  local views = redis.call('HMGET', k .. 'sessions:pv', unpack(ids))
  for n = 1, #ids do
    count = count + 1
    if (views[n] and tonumber(views[n]) or 0) <= 1 then bounces = bounces + 1 end
    total = total + lasts[n] - (firsts[n] and tonumber(firsts[n]) or lasts[n])
  end
end
return { count, bounces, string.format('%.0f', total) }
`;

/**
 * KEYS[1]: the site's K. ARGV: exclusive lower bound of the last mouse_move (ms), path.
 * Returns flat rows: user_id, x, y, vw, vh, ts for users whose newest position is on path.
 */
export const positionsScript = `#!lua flags=no-writes
local k, path = KEYS[1], ARGV[2]
local out = {}
for _, user in ipairs(redis.call('ZRANGEBYSCORE', k .. 'cursors', '(' .. ARGV[1], '+inf')) do
  local p = redis.call('HMGET', k .. 'u:' .. user .. ':pos', 'x', 'y', 'vw', 'vh', 'ts', 'path')
  if p[6] == path and p[5] then
    out[#out + 1] = user
    for f = 1, 5 do out[#out + 1] = p[f] or '' end
  end
end
return out
`;

/**
 * KEYS[1]: the site's K. ARGV: user_id. Erases the user's per-user keys, active/cursor entries, sessions and
 * feed items; site-wide counters (top pages, events/s, heat map) keep their anonymous totals.
 * Returns how many keys and entries were removed.
 */
export const forgetUserScript = `#!lua
local k, user = KEYS[1], ARGV[1]
local u = k .. 'u:' .. user .. ':'
local removed = redis.call('ZREM', k .. 'active', user) + redis.call('ZREM', k .. 'cursors', user)
for _, session in ipairs(redis.call('SMEMBERS', u .. 'sessions')) do
  removed = removed + redis.call('ZREM', k .. 'sessions', session)
  redis.call('HDEL', k .. 'sessions:first', session)
  redis.call('HDEL', k .. 'sessions:pv', session)
end
removed = removed + redis.call('DEL', u .. 'hour', u .. 'pos', u .. 'sessions')
for _, entry in ipairs(redis.call('LRANGE', k .. 'feed', 0, -1)) do
  local ok, item = pcall(cjson.decode, entry)
  if ok and type(item) == 'table' and item.user_id == user then
    removed = removed + redis.call('LREM', k .. 'feed', 0, entry)
  end
end
return removed
`;
