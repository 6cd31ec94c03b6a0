-- Outpost schema, version 3: operators of the admin, their sessions, sign-in throttling and the audit log.

-- Emails are stored trimmed and lower-cased by the code; NOCASE on top keeps the uniqueness
-- case-insensitive even for a row written by hand. Operators are disabled, never deleted, so the
-- audit log always names who did what.
CREATE TABLE operators (
  id            TEXT PRIMARY KEY,
  email         TEXT NOT NULL UNIQUE COLLATE NOCASE,
  name          TEXT NOT NULL,
  role          TEXT NOT NULL CHECK (role IN ('admin', 'editor')),
  password_hash TEXT NOT NULL, -- scrypt$N$r$p$salt$hash (base64url); never the password
  created_at    INTEGER NOT NULL,
  disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1))
) STRICT;

-- Server-side sessions. The cookie holds 256 random bits; only their SHA-256 is stored, so a copy of
-- the database does not let anyone sign in. The CSRF token is per session.
CREATE TABLE operator_sessions (
  id_hash      TEXT PRIMARY KEY,
  operator_id  TEXT NOT NULL REFERENCES operators(id),
  csrf_token   TEXT NOT NULL,
  created_at   INTEGER NOT NULL, -- absolute expiry counts from here
  last_seen_at INTEGER NOT NULL  -- idle expiry counts from here; refreshed at most once a minute
) STRICT, WITHOUT ROWID;
CREATE INDEX operator_sessions_by_operator ON operator_sessions (operator_id);

-- One row per failed sign-in, per scope ('account': the normalised email typed, known or not;
-- 'ip': the client address). Kept in SQLite so a restart does not reset an attacker's budget.
CREATE TABLE login_failures (
  scope TEXT NOT NULL CHECK (scope IN ('account', 'ip')),
  key   TEXT NOT NULL,
  at    INTEGER NOT NULL
) STRICT;
CREATE INDEX login_failures_by_key ON login_failures (scope, key, at);

-- Who did what. The actor is an operator, a management API key, the system itself, or anonymous (a
-- failed sign-in to an account that does not exist). actor_id has no foreign key because it points at
-- operators or api_keys depending on actor_kind; actor_name keeps the name as it was at the time.
-- Never a password, a hash or a token in before_json / after_json.
CREATE TABLE audit_log (
  id          INTEGER PRIMARY KEY,
  at          INTEGER NOT NULL,
  actor_kind  TEXT NOT NULL CHECK (actor_kind IN ('operator', 'api_key', 'system', 'anonymous')),
  actor_id    TEXT,
  actor_name  TEXT NOT NULL,
  action      TEXT NOT NULL,
  entity_type TEXT,
  entity_id   TEXT,
  before_json TEXT,
  after_json  TEXT,
  ip          TEXT
) STRICT;
CREATE INDEX audit_log_by_time ON audit_log (at);
CREATE INDEX audit_log_by_entity ON audit_log (entity_type, entity_id);
