-- Outpost schema, version 10: which destination a sent post's remote id belongs to.
--
-- Later posts about an incident reply to the channel's latest sent post about it (remote_id). A
-- channel id reused in outpost.yaml for another type, or a Mastodon channel moved to another
-- instance, must not reply to an id that belongs somewhere else: the receiver refuses the reply and
-- the announcement never goes out. thread_scope is "<type>:<target>" (target: the host the admin
-- shows, empty where the address is the secret) as it was when the post was sent; a reply is only
-- made within the same scope. Rows sent before this migration have none and keep threading, as they
-- did, within their channel.
ALTER TABLE outbox ADD COLUMN thread_scope TEXT;
