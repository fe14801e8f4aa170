-- Sessions, upserted per batch from the newly claimed events only (exact under redelivery).
CREATE TABLE sessions (
  site text COLLATE "C" NOT NULL,
  user_id text COLLATE "C" NOT NULL,
  session_id text COLLATE "C" NOT NULL,
  first_ts timestamptz NOT NULL,
  last_ts timestamptz NOT NULL,
  page_views integer NOT NULL,
  events integer NOT NULL,
  PRIMARY KEY (site, user_id, session_id)
);
CREATE INDEX sessions_site_last ON sessions (site, last_ts);

-- Hourly rollups per site, page and UTC hour: views, bounces (duration < 5 s), durations.
-- duration_sum is numeric so that forgetUser can subtract a visitor exactly.
CREATE TABLE page_hourly (
  site text COLLATE "C" NOT NULL,
  hour timestamptz NOT NULL,
  path text COLLATE "C" NOT NULL,
  views bigint NOT NULL,
  bounces bigint NOT NULL,
  duration_sum numeric NOT NULL,
  duration_count bigint NOT NULL,
  PRIMARY KEY (site, hour, path)
);
CREATE INDEX page_hourly_hour ON page_hourly (hour);

-- Who viewed each page in each hour: unique users over any set of hours stay exact
-- (count distinct over the union), which per-hour counts could not give.
CREATE TABLE page_hourly_users (
  site text COLLATE "C" NOT NULL,
  hour timestamptz NOT NULL,
  path text COLLATE "C" NOT NULL,
  user_id text COLLATE "C" NOT NULL,
  PRIMARY KEY (site, hour, path, user_id)
);
CREATE INDEX page_hourly_users_hour ON page_hourly_users (hour);
CREATE INDEX page_hourly_users_user ON page_hourly_users (site, user_id);
