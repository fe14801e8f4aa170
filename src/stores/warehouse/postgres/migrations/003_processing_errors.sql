-- Records the workers refused (seed 002), one row per (topic, partition, offset): a redelivered
-- batch writes nothing twice. site and user_id are read from the raw record when it is a JSON
-- object carrying them, so forgetUser can remove a visitor's refused records too.
CREATE TABLE processing_errors (
  topic text COLLATE "C" NOT NULL,
  partition integer NOT NULL,
  record_offset bigint NOT NULL,
  reason text NOT NULL,
  raw text NOT NULL,
  failed_at timestamptz NOT NULL,
  site text COLLATE "C",
  user_id text COLLATE "C",
  PRIMARY KEY (topic, partition, record_offset)
);
CREATE INDEX processing_errors_failed_at ON processing_errors (failed_at);
CREATE INDEX processing_errors_user ON processing_errors (user_id) WHERE user_id IS NOT NULL;
