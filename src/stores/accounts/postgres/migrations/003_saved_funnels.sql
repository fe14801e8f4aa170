-- Saved funnels per site (src/query/analytics-saved-funnels.ts); they go with their site.
CREATE TABLE accounts_funnels (
  id text PRIMARY KEY,
  site_key text NOT NULL REFERENCES accounts_sites (key) ON DELETE CASCADE,
  name text NOT NULL,
  -- FunnelStep[] of src/stores/warehouse/product-analytics.ts
  steps jsonb NOT NULL,
  funnel_order text NOT NULL CHECK (funnel_order IN ('sequential', 'strict', 'any')),
  window_seconds integer NOT NULL CHECK (window_seconds > 0),
  count_by text NOT NULL CHECK (count_by IN ('visitors', 'sessions')),
  created_by text REFERENCES accounts_users (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (site_key, name)
);
