-- Bot and automation traffic (src/contract/bot-traffic.ts) is stored and flagged, and left out of the
-- figures unless its site counts bots. The rollups (page_hourly, page_hourly_users) hold human page
-- views only from now on; a read adds a site's bots from the raw events when that site counts them.
ALTER TABLE events ADD COLUMN is_bot boolean NOT NULL DEFAULT false;
-- What the bot figures list a bot event under; null for a human (and for bots stored before this).
ALTER TABLE events ADD COLUMN bot_name text COLLATE "C";

-- Events stored before: flagged from their JSON (ingest has set is_bot from the start). json, not
-- jsonb: the stored text may hold \u0000, which jsonb refuses.
UPDATE events SET is_bot = true
WHERE strpos(data, '"is_bot":true') > 0 AND (data::json ->> 'is_bot') = 'true';

-- The rollups counted every page view: take the bots' out, as forgetUser takes out a visitor's.
WITH bots AS (
  SELECT site, date_trunc('hour', received_at, 'UTC') AS hour, path, count(*) AS views,
    count(*) FILTER (WHERE duration < 5) AS bounces, coalesce(sum(duration::numeric), 0) AS duration_sum,
    count(duration) AS duration_count
  FROM events WHERE is_bot AND type = 'page_view'
  GROUP BY 1, 2, 3
)
UPDATE page_hourly h SET
  views = h.views - b.views,
  bounces = h.bounces - b.bounces,
  duration_sum = h.duration_sum - b.duration_sum,
  duration_count = h.duration_count - b.duration_count
FROM bots b
WHERE h.site = b.site AND h.hour = b.hour AND h.path = b.path;
DELETE FROM page_hourly WHERE views <= 0;

-- A visitor stays in an hour's page only with a human view of it there.
DELETE FROM page_hourly_users u
WHERE EXISTS (
    SELECT 1 FROM events e
    WHERE e.is_bot AND e.type = 'page_view' AND e.site = u.site AND e.user_id = u.user_id AND e.path = u.path
      AND date_trunc('hour', e.received_at, 'UTC') = u.hour)
  AND NOT EXISTS (
    SELECT 1 FROM events e
    WHERE NOT e.is_bot AND e.type = 'page_view' AND e.site = u.site AND e.user_id = u.user_id AND e.path = u.path
      AND date_trunc('hour', e.received_at, 'UTC') = u.hour);

-- The bot figures, and the bots a site that counts them adds to its figures.
CREATE INDEX events_bots ON events (site, received_at) WHERE is_bot;
