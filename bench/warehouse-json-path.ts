import { eventColumnNames, eventColumnTypes } from '../src/stores/warehouse/postgres/event-rows.ts';

/**
 * The PostgreSQL warehouse's previous write path, kept for bench/warehouse.ts to measure beside the
 * current one: the whole batch ($1, a JSON array of EventRow) in one statement read by
 * json_to_recordset, which claims the event_ids, inserts the claimed events and folds them into
 * sessions and rollups. Replaced by COPY into a staging table (statements.ts, writeStagedEventsSql).
 */
export const previousWriteEventsSql = (() => {
  const columns = eventColumnNames.join(', ');
  return `
WITH input AS (
  SELECT * FROM json_to_recordset($1::text::json) AS i(${eventColumnNames.map((name) => `${name} ${eventColumnTypes[name]}`).join(', ')})
),
claimed AS (
  INSERT INTO event_ids (event_id, received_at)
  SELECT event_id, received_at FROM input
  ON CONFLICT (event_id) DO NOTHING
  RETURNING event_id
),
fresh AS (
  INSERT INTO events (${columns})
  SELECT ${eventColumnNames.map((c) => `i.${c}`).join(', ')} FROM input i JOIN claimed c ON c.event_id = i.event_id
  RETURNING received_at, site, type, user_id, session_id, path, duration, is_bot
),
session_rows AS (
  INSERT INTO sessions AS s (site, user_id, session_id, first_ts, last_ts, page_views, events)
  SELECT site, user_id, session_id, min(received_at), max(received_at), count(*) FILTER (WHERE type = 'page_view'), count(*)
  FROM fresh GROUP BY site, user_id, session_id ORDER BY site, user_id, session_id
  ON CONFLICT (site, user_id, session_id) DO UPDATE SET
    first_ts = least(s.first_ts, excluded.first_ts),
    last_ts = greatest(s.last_ts, excluded.last_ts),
    page_views = s.page_views + excluded.page_views,
    events = s.events + excluded.events
  RETURNING 1
),
views AS (
  SELECT site, date_trunc('hour', received_at, 'UTC') AS hour, path, user_id, duration FROM fresh WHERE type = 'page_view' AND NOT is_bot
),
hourly_rows AS (
  INSERT INTO page_hourly AS h (site, hour, path, views, bounces, duration_sum, duration_count)
  SELECT site, hour, path, count(*), count(*) FILTER (WHERE duration < 5), coalesce(sum(duration::numeric), 0), count(duration)
  FROM views GROUP BY site, hour, path ORDER BY site, hour, path
  ON CONFLICT (site, hour, path) DO UPDATE SET
    views = h.views + excluded.views,
    bounces = h.bounces + excluded.bounces,
    duration_sum = h.duration_sum + excluded.duration_sum,
    duration_count = h.duration_count + excluded.duration_count
  RETURNING 1
),
visitor_rows AS (
  INSERT INTO page_hourly_users (site, hour, path, user_id)
  SELECT DISTINCT site, hour, path, user_id FROM views ORDER BY site, hour, path, user_id
  ON CONFLICT DO NOTHING
  RETURNING 1
)
SELECT (SELECT count(*) FROM claimed)::int AS inserted`;
})();
