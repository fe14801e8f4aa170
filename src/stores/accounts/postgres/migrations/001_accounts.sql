-- Accounts, sites, sessions, API tokens and share links (see src/stores/accounts/account-store.ts).
CREATE TABLE accounts_users (
  id text PRIMARY KEY,
  username text NOT NULL UNIQUE,
  role text NOT NULL CHECK (role IN ('admin', 'viewer')),
  password_hash text NOT NULL,
  failed_logins integer NOT NULL DEFAULT 0,
  locked_until timestamptz,
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE accounts_sites (
  key text PRIMARY KEY,
  name text NOT NULL,
  origins jsonb NOT NULL DEFAULT '[]',
  created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE accounts_grants (
  user_id text NOT NULL REFERENCES accounts_users (id) ON DELETE CASCADE,
  site_key text NOT NULL REFERENCES accounts_sites (key) ON DELETE CASCADE,
  PRIMARY KEY (user_id, site_key)
);

CREATE TABLE accounts_sessions (
  id_hash text PRIMARY KEY,
  user_id text NOT NULL REFERENCES accounts_users (id) ON DELETE CASCADE,
  csrf text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX accounts_sessions_user ON accounts_sessions (user_id);

CREATE TABLE accounts_tokens (
  id text PRIMARY KEY,
  user_id text NOT NULL REFERENCES accounts_users (id) ON DELETE CASCADE,
  name text NOT NULL,
  token_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz
);

CREATE TABLE accounts_shares (
  id text PRIMARY KEY,
  site_key text NOT NULL REFERENCES accounts_sites (key) ON DELETE CASCADE,
  token_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL DEFAULT now()
);
