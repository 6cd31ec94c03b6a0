-- Outpost schema, version 11: more than one hold on a component's status at a time.
--
-- An incident, a maintenance window and an operator can each hold a component at once (an outage
-- during a window, two overlapping windows, an override set before a window). Each holder keeps its
-- own row; the component shows the latest one written (components.manual_* mirror it), and when a
-- holder lets go the next one shows again, and automation only once none is left. Before, the
-- single manual_* slot was overwritten: the window's end put a component in an open outage back to
-- operational, and a short window's end ended a longer one's.
CREATE TABLE component_holds (
  seq          INTEGER PRIMARY KEY AUTOINCREMENT,
  component_id TEXT NOT NULL REFERENCES components(id),
  -- 'incident <id>' for incidents and maintenance windows, 'operator' for a status set by hand
  holder       TEXT NOT NULL,
  status       TEXT NOT NULL CHECK (status IN
    ('operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance')),
  reason       TEXT NOT NULL,
  set_at       INTEGER NOT NULL,
  UNIQUE (component_id, holder)
) STRICT;

-- The one hold each component had.
INSERT INTO component_holds (component_id, holder, status, reason, set_at)
  SELECT id, CASE WHEN manual_reason LIKE 'incident %' THEN manual_reason ELSE 'operator' END,
         manual_status, coalesce(manual_reason, ''), coalesce(manual_set_at, 0)
  FROM components WHERE manual_status IS NOT NULL;
