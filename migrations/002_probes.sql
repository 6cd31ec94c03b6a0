-- Outpost schema, version 2: probes, their confirmation state, raw results, hourly rollups,
-- heartbeat tokens and the prober's own health.

-- Probes declared in the config. Removed ones are hidden, not deleted, so their history stays.
CREATE TABLE probes (
  id           TEXT PRIMARY KEY,
  component_id TEXT REFERENCES components(id), -- NULL for control probes
  type         TEXT NOT NULL,
  control      INTEGER NOT NULL DEFAULT 0 CHECK (control IN (0, 1)),
  hidden       INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
  created_at   INTEGER NOT NULL
) STRICT;

-- Confirmation state, kept across restarts: one lost packet never paints the page red, and a restart
-- does not forget that a service has been failing for three checks already.
CREATE TABLE probe_state (
  probe_id              TEXT PRIMARY KEY REFERENCES probes(id),
  confirmed             TEXT NOT NULL DEFAULT 'up' CHECK (confirmed IN ('up', 'degraded', 'partial', 'down')),
  confirmed_since       INTEGER NOT NULL,
  streak_outcome        TEXT NOT NULL DEFAULT 'up' CHECK (streak_outcome IN ('up', 'degraded', 'partial', 'down')),
  streak                INTEGER NOT NULL DEFAULT 0,
  last_run_at           INTEGER,
  last_result           TEXT -- JSON of the last ProbeResult, for the operator's view
) STRICT;

-- Raw results, kept for a short window (monitoring.raw_retention, 48 h by default).
CREATE TABLE probe_results (
  id         INTEGER PRIMARY KEY,
  probe_id   TEXT NOT NULL REFERENCES probes(id),
  at         INTEGER NOT NULL,
  outcome    TEXT NOT NULL CHECK (outcome IN ('up', 'degraded', 'partial', 'down')),
  latency_ms REAL,
  layer      TEXT,
  code       TEXT
) STRICT;
CREATE INDEX probe_results_by_probe ON probe_results (probe_id, at);
CREATE INDEX probe_results_by_time ON probe_results (at);

-- Hourly rollups, kept at least 400 days. Sums make the mean incremental; p95 is filled in from the
-- raw results once the hour is over.
CREATE TABLE probe_hourly (
  probe_id       TEXT NOT NULL REFERENCES probes(id),
  hour           INTEGER NOT NULL, -- start of the hour, ms since epoch
  count          INTEGER NOT NULL,
  failures       INTEGER NOT NULL,
  latency_count  INTEGER NOT NULL,
  latency_sum    REAL NOT NULL,
  latency_min    REAL,
  latency_max    REAL,
  latency_p95    REAL,
  PRIMARY KEY (probe_id, hour)
) STRICT, WITHOUT ROWID;
CREATE INDEX probe_hourly_open ON probe_hourly (hour) WHERE latency_p95 IS NULL;

-- Heartbeat tokens are stored hashed (SHA-256 of 128+ random bits: no salt needed); a hint of the
-- first characters helps an operator tell tokens apart.
CREATE TABLE heartbeats (
  probe_id      TEXT PRIMARY KEY REFERENCES probes(id),
  token_hash    TEXT NOT NULL UNIQUE,
  token_hint    TEXT NOT NULL,
  rotated_at    INTEGER NOT NULL,
  last_ping_at  INTEGER,
  last_ping_ok  INTEGER CHECK (last_ping_ok IN (0, 1)),
  last_message  TEXT
) STRICT;

-- Whether the prober itself is impaired (lost its network or DNS): automated status changes freeze.
CREATE TABLE prober_health (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  impaired   INTEGER NOT NULL CHECK (impaired IN (0, 1)),
  since      INTEGER NOT NULL,
  reason     TEXT NOT NULL
) STRICT;
