-- The values of a refusal's message (by name, as JSON), so that the interface can say it in
-- the user's language; refusals recorded before have none and show the server's message.
ALTER TABLE sync_rejection ADD COLUMN args TEXT NOT NULL DEFAULT '{}';
