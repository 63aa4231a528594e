-- Corridor local store: the session with the corridor server (kept inside the encrypted
-- database, never in a plain file).
CREATE TABLE sync_session (
    singleton   INTEGER PRIMARY KEY NOT NULL CHECK (singleton = 1),
    server_url  TEXT NOT NULL,
    username    TEXT NOT NULL,
    role        TEXT NOT NULL,
    regions     TEXT NOT NULL,
    token       TEXT NOT NULL,
    logged_in_at TEXT NOT NULL
);
