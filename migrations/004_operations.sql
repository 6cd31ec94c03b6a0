-- Outpost schema, version 4: operator overrides of component status, draft incidents, API keys.

-- A status set by an operator (or by an incident or maintenance) wins over automation until it is
-- cleared; automation keeps computing underneath, so clearing it returns the component to what its
-- probes say now. components.status stays the effective status that the page shows and history credits.
ALTER TABLE components ADD COLUMN automated_status TEXT CHECK (automated_status IN
  ('operational', 'degraded_performance', 'partial_outage', 'major_outage'));
ALTER TABLE components ADD COLUMN manual_status TEXT CHECK (manual_status IN
  ('operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance'));
ALTER TABLE components ADD COLUMN manual_reason TEXT;
ALTER TABLE components ADD COLUMN manual_set_at INTEGER;

-- Automatic incidents may be drafts, visible only in the admin until an operator publishes them.
ALTER TABLE incidents ADD COLUMN published INTEGER NOT NULL DEFAULT 1 CHECK (published IN (0, 1));

-- Management API keys: shown once, stored as SHA-256 of 192 random bits.
CREATE TABLE api_keys (
  id           TEXT PRIMARY KEY,
  name         TEXT NOT NULL,
  key_hash     TEXT NOT NULL UNIQUE,
  key_hint     TEXT NOT NULL,
  role         TEXT NOT NULL CHECK (role IN ('admin', 'editor')),
  created_at   INTEGER NOT NULL,
  revoked_at   INTEGER,
  last_used_at INTEGER
) STRICT;
