-- Outpost schema, version 14: failed sign-ins are also counted per trusted browser ('device'). A
-- browser where an operator has signed in before carries a signed device cookie; its attempts are
-- limited on their own, and the account-wide lockout (five failures from anywhere) no longer stops
-- it: otherwise anyone who knows an operator's email could lock them out of the admin, five wrong
-- passwords every 15 minutes, in the middle of the outage they need to report. SQLite cannot widen
-- a CHECK in place: the table is rebuilt, its rows (and their rowids) kept.
CREATE TABLE login_failures_new (
  scope TEXT NOT NULL CHECK (scope IN ('account', 'ip', 'device')),
  key   TEXT NOT NULL,
  at    INTEGER NOT NULL
) STRICT;
INSERT INTO login_failures_new (rowid, scope, key, at) SELECT rowid, scope, key, at FROM login_failures;
DROP TABLE login_failures;
ALTER TABLE login_failures_new RENAME TO login_failures;
CREATE INDEX login_failures_by_key ON login_failures (scope, key, at);
