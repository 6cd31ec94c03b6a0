-- Outpost schema, version 5: the announcement outbox.

-- One row per (event, channel), written in the same transaction as the change it announces, so an
-- announcement can be neither lost (the change committed, the row with it) nor invented (a rolled
-- back change takes its rows along). The dispatcher delivers them; a row is only ever updated, never
-- deleted, so the admin's delivery log is this table.
--
-- seq orders a channel's rows: a channel's next row waits until the one before is sent or failed.
-- AUTOINCREMENT keeps seq growing even if rows are ever pruned, so order never goes backwards.
CREATE TABLE outbox (
  seq             INTEGER PRIMARY KEY AUTOINCREMENT,
  event_id        TEXT NOT NULL,    -- e.g. incident.updated:<update id>; with channel_id the idempotency key
  channel_id      TEXT NOT NULL,    -- the id under announce: (not a foreign key: channels live in outpost.yaml)
  kind            TEXT NOT NULL CHECK (kind IN ('incident.created', 'incident.updated', 'incident.resolved',
                    'maintenance.scheduled', 'maintenance.started', 'maintenance.updated', 'maintenance.completed',
                    'component.status')),
  incident_id     TEXT,             -- threading: the latest sent row of the same (channel, incident) is replied to
  component_id    TEXT,
  -- What a double submit repeats (kind, incident, status, text). A second row with the same key on the
  -- same channel within a few minutes is a double click, not news; NULL for events that cannot repeat.
  content_key     TEXT,
  is_test         INTEGER NOT NULL DEFAULT 0 CHECK (is_test IN (0, 1)),
  announcement    TEXT NOT NULL CHECK (json_valid(announcement)), -- the Announcement as captured at write time
  state           TEXT NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  queued_at       INTEGER NOT NULL,
  deadline_at     INTEGER NOT NULL, -- queued_at + the channel's deadline: after it, the row fails with its last error
  next_attempt_at INTEGER NOT NULL,
  -- A claimed row is 'sending' until lease_until. A process killed mid-delivery leaves it so; the next
  -- start takes it back (at least once: the receiver may have seen it already).
  lease_until     INTEGER,
  last_attempt_at INTEGER,
  last_status     INTEGER,          -- HTTP status of the last attempt, when there was a response
  last_error      TEXT,             -- short and secret-free: shown in the admin
  remote_id       TEXT,             -- the post's id at the receiver (tweet, Mastodon status), for replies
  sent_at         INTEGER,
  failed_at       INTEGER,
  UNIQUE (event_id, channel_id)
) STRICT;

-- The dispatcher's question: each channel's oldest unfinished row.
CREATE INDEX outbox_pending ON outbox (channel_id, seq) WHERE state IN ('queued', 'sending');
-- The delivery log, newest first per channel.
CREATE INDEX outbox_by_channel ON outbox (channel_id, seq DESC);
-- Threading and double-submit lookups.
CREATE INDEX outbox_thread ON outbox (channel_id, incident_id, seq) WHERE incident_id IS NOT NULL;
CREATE INDEX outbox_content ON outbox (channel_id, content_key, queued_at) WHERE content_key IS NOT NULL;
