-- Outpost schema, version 6: incident templates, prefilled forms for recurring cases.

-- status and impact are optional: empty, the new-incident form keeps its own defaults
-- (investigating, impact from components).
CREATE TABLE incident_templates (
  id         TEXT PRIMARY KEY,
  name       TEXT NOT NULL,
  title      TEXT NOT NULL,
  body       TEXT NOT NULL,
  status     TEXT CHECK (status IN ('investigating', 'identified', 'monitoring', 'resolved')),
  impact     TEXT CHECK (impact IN ('none', 'minor', 'major', 'critical')),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

-- The component statuses a template sets. No foreign key to components on purpose: removing the
-- demo deletes its components, and a template that names a component gone from the configuration
-- must not block that; such entries are skipped, with a note, when the template is used.
CREATE TABLE incident_template_components (
  template_id  TEXT NOT NULL REFERENCES incident_templates(id) ON DELETE CASCADE,
  component_id TEXT NOT NULL,
  status       TEXT NOT NULL CHECK (status IN
                 ('operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance')),
  PRIMARY KEY (template_id, component_id)
) STRICT, WITHOUT ROWID;
