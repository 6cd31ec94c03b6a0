-- Outpost schema, version 13: an Idempotency-Key used again with another request body is refused
-- (422) instead of being answered with the first request's incident: a client bug sending a new
-- incident under an old key would otherwise be told, wrongly, that it was created. Each claim keeps
-- a fingerprint of what it was for (SHA-256 of the parsed body, keys sorted); NULL for admin forms,
-- whose one-time tokens belong to one rendering of one form.
ALTER TABLE form_submissions ADD COLUMN fingerprint TEXT;
