-- Login attempts recorded before the password is checked (parallel guesses count), by username
-- and by client address, pruned once past the throttling window; successful ones are removed.
DROP TABLE login_failure;
CREATE TABLE login_attempt (
    id        TEXT PRIMARY KEY NOT NULL,
    username  TEXT NOT NULL,
    address   TEXT NOT NULL,
    at        TEXT NOT NULL
);
CREATE INDEX login_attempt_user_at ON login_attempt (username, at);
CREATE INDEX login_attempt_address_at ON login_attempt (address, at);
CREATE INDEX login_attempt_at ON login_attempt (at);

-- A session's absolute lifetime counts from the issue of its token.
ALTER TABLE device ADD COLUMN token_issued_at TEXT;
UPDATE device SET token_issued_at = last_seen_at;

-- Set when one of the user's devices is revoked: no new login before an administrator gives a
-- new password.
ALTER TABLE app_user ADD COLUMN password_reset_required INTEGER NOT NULL DEFAULT 0;
