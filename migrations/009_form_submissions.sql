-- Outpost schema, version 9: a form submitted twice (a double click, a retried POST after a slow
-- answer) is carried out once. Each admin form carries a one-time token; the first submission
-- claims it, and records where it led; a repeat is sent there instead of writing again.
CREATE TABLE form_submissions (
  operator_id TEXT NOT NULL,
  token       TEXT NOT NULL,
  -- NULL while the first submission is being carried out.
  location    TEXT,
  at          INTEGER NOT NULL,
  PRIMARY KEY (operator_id, token)
) STRICT, WITHOUT ROWID;
CREATE INDEX form_submissions_by_time ON form_submissions (at);
