-- Shields per site: visits from these addresses (or CIDR ranges) and to these paths (with *) are dropped at ingest.
ALTER TABLE accounts_sites ADD COLUMN excluded_ips jsonb NOT NULL DEFAULT '[]';
ALTER TABLE accounts_sites ADD COLUMN excluded_paths jsonb NOT NULL DEFAULT '[]';
