-- Corridor local store: the sync state with the corridor server.
--
-- Local rows are the server's documents with this device's pending mutations applied on top.
-- server_case keeps the last server version of each case, so that a refused change can be
-- undone; events made here stay unconfirmed until the server sends them back.

CREATE TABLE sync_state (
    singleton         INTEGER PRIMARY KEY NOT NULL CHECK (singleton = 1),
    cursor            TEXT,
    last_applied_seq  INTEGER NOT NULL DEFAULT 0,
    last_sync_at      TEXT,
    -- A first pull is under way: the search index is built once, when it completes.
    search_stale      INTEGER NOT NULL DEFAULT 0
);
INSERT INTO sync_state (singleton) VALUES (1);

CREATE TABLE server_case (
    id         TEXT PRIMARY KEY NOT NULL,
    -- The parent the server gives the case (it may arrive after the case).
    parent_id  TEXT,
    doc        TEXT NOT NULL
);
CREATE INDEX server_case_parent ON server_case (parent_id) WHERE parent_id IS NOT NULL;

-- Documents received before what they depend on (an event before its case): applied as soon
-- as it arrives.
CREATE TABLE sync_stash (
    kind  TEXT NOT NULL,
    id    TEXT NOT NULL,
    doc   TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);

-- Cases to rebuild from the server's version once the pull completes (every case a pushed
-- mutation touched).
CREATE TABLE sync_rebase (
    case_id  TEXT PRIMARY KEY NOT NULL
);

-- Mutations the server refused, for the user to see.
CREATE TABLE sync_rejection (
    device_seq   INTEGER PRIMARY KEY NOT NULL,
    mutation_id  TEXT NOT NULL,
    name         TEXT NOT NULL,
    code         TEXT NOT NULL,
    message      TEXT NOT NULL,
    at           TEXT NOT NULL
);

-- Conflicts on cases (a field edit kept aside until a person chooses).
CREATE TABLE case_conflict (
    id        TEXT PRIMARY KEY NOT NULL,
    case_id   TEXT NOT NULL REFERENCES case_file (id),
    resolved  INTEGER NOT NULL DEFAULT 0,
    doc       TEXT NOT NULL
);
CREATE INDEX case_conflict_case ON case_conflict (case_id);

-- The timeline stays append-only for everything but sync itself: while a case is listed in
-- sync_unlock (only inside a sync transaction), its events may be confirmed, replaced by the
-- server's version, or removed (a refused change, a case out of the user's scope).
ALTER TABLE case_event ADD COLUMN confirmed INTEGER NOT NULL DEFAULT 0;
CREATE TABLE sync_unlock (
    case_id  TEXT PRIMARY KEY NOT NULL
);
DROP TRIGGER case_event_no_update;
DROP TRIGGER case_event_no_delete;
CREATE TRIGGER case_event_no_update BEFORE UPDATE ON case_event
WHEN NOT EXISTS (SELECT 1 FROM sync_unlock WHERE case_id = OLD.case_id)
BEGIN
    SELECT RAISE(ABORT, 'timeline events are append-only');
END;
CREATE TRIGGER case_event_no_delete BEFORE DELETE ON case_event
WHEN NOT EXISTS (SELECT 1 FROM sync_unlock WHERE case_id = OLD.case_id)
BEGIN
    SELECT RAISE(ABORT, 'timeline events are append-only');
END;
