-- Outpost schema, version 8: a component's description can be changed through the management API
-- (as on Statuspage), while outpost.yaml stays the source of truth: config_description remembers what
-- the file said at the last start, so a changed file wins again and an unchanged one leaves the
-- API's text alone.
ALTER TABLE components ADD COLUMN config_description TEXT;
UPDATE components SET config_description = description;
