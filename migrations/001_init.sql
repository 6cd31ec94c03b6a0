-- Outpost schema, version 1: page metadata, components, incidents and maintenances, daily status history.
-- Times are integers: milliseconds since the Unix epoch, UTC.

CREATE TABLE meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

-- Components and groups, as in Statuspage: a group is a component with is_group = 1 and children
-- pointing at it through group_id. Components removed from the config are hidden, never deleted,
-- so that their history and incidents stay readable.
CREATE TABLE components (
  id                    TEXT PRIMARY KEY,
  name                  TEXT NOT NULL,
  description           TEXT,
  is_group              INTEGER NOT NULL DEFAULT 0 CHECK (is_group IN (0, 1)),
  group_id              TEXT REFERENCES components(id),
  position              INTEGER NOT NULL DEFAULT 0,
  showcase              INTEGER NOT NULL DEFAULT 1 CHECK (showcase IN (0, 1)),
  only_show_if_degraded INTEGER NOT NULL DEFAULT 0 CHECK (only_show_if_degraded IN (0, 1)),
  start_date            TEXT,
  status                TEXT NOT NULL DEFAULT 'operational' CHECK (status IN
                          ('operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance')),
  status_since          INTEGER NOT NULL,
  hidden                INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
  created_at            INTEGER NOT NULL,
  updated_at            INTEGER NOT NULL
) STRICT;

CREATE TABLE component_dependencies (
  component_id  TEXT NOT NULL REFERENCES components(id),
  depends_on_id TEXT NOT NULL REFERENCES components(id),
  PRIMARY KEY (component_id, depends_on_id)
) STRICT;

-- Every status change of a component, with its cause. Later issues (probes, announcements) read it.
CREATE TABLE component_status_events (
  id           INTEGER PRIMARY KEY,
  component_id TEXT NOT NULL REFERENCES components(id),
  from_status  TEXT NOT NULL,
  to_status    TEXT NOT NULL,
  cause        TEXT NOT NULL,
  at           INTEGER NOT NULL
) STRICT;
CREATE INDEX component_status_events_by_component ON component_status_events (component_id, at);

-- Seconds spent in each status per component per calendar day (the page's time zone).
-- The open interval since components.status_since is added when the page is built.
CREATE TABLE component_daily_status (
  component_id         TEXT NOT NULL REFERENCES components(id),
  day                  TEXT NOT NULL, -- YYYY-MM-DD in the page's time zone
  operational_s        INTEGER NOT NULL DEFAULT 0,
  degraded_performance_s INTEGER NOT NULL DEFAULT 0,
  partial_outage_s     INTEGER NOT NULL DEFAULT 0,
  major_outage_s       INTEGER NOT NULL DEFAULT 0,
  under_maintenance_s  INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (component_id, day)
) STRICT, WITHOUT ROWID;

-- Incidents and scheduled maintenances share one table, as in Statuspage's API.
CREATE TABLE incidents (
  id                         TEXT PRIMARY KEY,
  kind                       TEXT NOT NULL CHECK (kind IN ('incident', 'maintenance')),
  name                       TEXT NOT NULL,
  status                     TEXT NOT NULL CHECK (status IN
                               ('investigating', 'identified', 'monitoring', 'resolved', 'postmortem',
                                'scheduled', 'in_progress', 'verifying', 'completed')),
  impact                     TEXT NOT NULL CHECK (impact IN ('none', 'minor', 'major', 'critical', 'maintenance')),
  impact_override            TEXT CHECK (impact_override IN ('none', 'minor', 'major', 'critical')),
  created_at                 INTEGER NOT NULL,
  updated_at                 INTEGER NOT NULL,
  started_at                 INTEGER NOT NULL,
  monitoring_at              INTEGER,
  resolved_at                INTEGER,
  scheduled_for              INTEGER,
  scheduled_until            INTEGER,
  scheduled_auto_in_progress INTEGER NOT NULL DEFAULT 0 CHECK (scheduled_auto_in_progress IN (0, 1)),
  scheduled_auto_completed   INTEGER NOT NULL DEFAULT 0 CHECK (scheduled_auto_completed IN (0, 1)),
  postmortem_body            TEXT,
  postmortem_published_at    INTEGER,
  is_demo                    INTEGER NOT NULL DEFAULT 0 CHECK (is_demo IN (0, 1)),
  CHECK (kind = 'incident' OR (scheduled_for IS NOT NULL AND scheduled_until IS NOT NULL))
) STRICT;
CREATE INDEX incidents_by_start ON incidents (started_at);

CREATE TABLE incident_components (
  incident_id  TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
  component_id TEXT NOT NULL REFERENCES components(id),
  PRIMARY KEY (incident_id, component_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE incident_updates (
  id                    TEXT PRIMARY KEY,
  incident_id           TEXT NOT NULL REFERENCES incidents(id) ON DELETE CASCADE,
  status                TEXT NOT NULL,
  body                  TEXT NOT NULL,
  created_at            INTEGER NOT NULL,
  updated_at            INTEGER NOT NULL,
  display_at            INTEGER NOT NULL,
  deliver_notifications INTEGER NOT NULL DEFAULT 1 CHECK (deliver_notifications IN (0, 1))
) STRICT;
CREATE INDEX incident_updates_by_incident ON incident_updates (incident_id, display_at);

-- Component statuses as they stood at one update ("affected_components" in Statuspage's JSON).
CREATE TABLE incident_update_components (
  update_id    TEXT NOT NULL REFERENCES incident_updates(id) ON DELETE CASCADE,
  component_id TEXT NOT NULL REFERENCES components(id),
  old_status   TEXT NOT NULL,
  new_status   TEXT NOT NULL,
  PRIMARY KEY (update_id, component_id)
) STRICT, WITHOUT ROWID;
