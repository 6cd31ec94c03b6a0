-- Outpost schema, version 12: a form posted after its session ended is kept, not lost. An operator
-- writing an update mid-outage can take longer than the 30 idle minutes a session lasts; the form
-- they then send is refused, and kept here for an hour, for the same operator to send again once
-- signed in (the admin's "unsent forms" page). Kept only when the request carries the CSRF token of
-- the session that ended, so only this browser's own form of that operator is ever kept.
CREATE TABLE unsent_forms (
  id          TEXT PRIMARY KEY,
  operator_id TEXT NOT NULL REFERENCES operators(id),
  -- Where the form was posted: a path under /admin/, with its query.
  action      TEXT NOT NULL,
  -- The fields as posted, without the CSRF token: JSON [[name, value], ...] in their order.
  fields      TEXT NOT NULL,
  at          INTEGER NOT NULL
) STRICT;
CREATE INDEX unsent_forms_by_operator ON unsent_forms (operator_id, at);
CREATE INDEX unsent_forms_by_time ON unsent_forms (at);
