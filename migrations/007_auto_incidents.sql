-- Outpost schema, version 7: incidents opened by the probes.
-- An automatic incident remembers the component whose outage opened it, so that the component's
-- recovery (or a relapse) finds it again instead of opening another.
ALTER TABLE incidents ADD COLUMN auto_component_id TEXT REFERENCES components(id);
CREATE INDEX incidents_auto_component ON incidents (auto_component_id) WHERE auto_component_id IS NOT NULL;
