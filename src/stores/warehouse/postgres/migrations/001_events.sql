-- Raw events: one row per distinct event_id, partitioned by month of received_at (server time, UTC).
-- Monthly partitions (events_YYYY_MM) are created on demand before a write by
-- pulse_ensure_events_partition(); events_default takes anything else, so a write never fails.
-- Text columns use the "C" collation: byte order, the same ordering as the other adapters.
CREATE TABLE events (
  received_at timestamptz NOT NULL,
  event_id text COLLATE "C" NOT NULL,
  site text COLLATE "C" NOT NULL,
  type text COLLATE "C" NOT NULL,
  user_id text COLLATE "C" NOT NULL,
  session_id text COLLATE "C" NOT NULL,
  path text COLLATE "C" NOT NULL,
  -- page_view only: seconds on the page, when the tracker knew it.
  duration double precision,
  referrer_host text COLLATE "C",
  browser text COLLATE "C",
  os text COLLATE "C",
  device text COLLATE "C",
  utm_source text COLLATE "C",
  utm_medium text COLLATE "C",
  utm_campaign text COLLATE "C",
  -- The whole enriched event as JSON text, exactly as received (export returns it).
  data text NOT NULL
) PARTITION BY RANGE (received_at);

CREATE TABLE events_default PARTITION OF events DEFAULT;

-- Range reads of one site and export's keyset pages (received_at, event_id).
CREATE INDEX events_site_time ON events (site, received_at, event_id);
-- Reads and export across every site.
CREATE INDEX events_time ON events (received_at, event_id);
-- forgetUser.
CREATE INDEX events_site_user ON events (site, user_id);

-- Idempotency: a partitioned table cannot have a unique index on event_id alone, so each event_id is
-- claimed here (INSERT … ON CONFLICT DO NOTHING RETURNING) in the statement that inserts the event.
-- No user data: forgetUser keeps the claims, so a replay of the topic cannot bring erased events back.
CREATE TABLE event_ids (
  event_id text COLLATE "C" PRIMARY KEY,
  received_at timestamptz NOT NULL
);

-- Creates the monthly partition holding `at` (UTC months) unless it exists; returns the partition's name.
-- When events_default already holds rows of that month (a partition creation failed earlier), the month
-- stays in the default partition: creating the partition would fail on those rows.
CREATE FUNCTION pulse_ensure_events_partition(at timestamptz) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
  month_start timestamp := date_trunc('month', at AT TIME ZONE 'UTC');
  lower_bound timestamptz := month_start AT TIME ZONE 'UTC';
  upper_bound timestamptz := (month_start + interval '1 month') AT TIME ZONE 'UTC';
  partition_name text := 'events_' || to_char(month_start, 'YYYY_MM');
BEGIN
  IF to_regclass(quote_ident(partition_name)) IS NOT NULL THEN
    RETURN partition_name;
  END IF;
  -- One creator at a time (per schema); the loser of a race finds the partition made.
  PERFORM pg_advisory_xact_lock(hashtext('pulse_events_partition:' || current_schema()));
  IF to_regclass(quote_ident(partition_name)) IS NOT NULL THEN
    RETURN partition_name;
  END IF;
  IF EXISTS (SELECT 1 FROM events_default WHERE received_at >= lower_bound AND received_at < upper_bound) THEN
    RETURN 'events_default';
  END IF;
  EXECUTE format('CREATE TABLE %I PARTITION OF events FOR VALUES FROM (%L) TO (%L)', partition_name, lower_bound, upper_bound);
  RETURN partition_name;
END
$$;
