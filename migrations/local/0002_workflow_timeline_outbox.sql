-- Corridor local store: case workflow fields, the append-only timeline, links, the device
-- identity and the outbox of mutations waiting to be pushed, and full-text search.

ALTER TABLE case_file ADD COLUMN priority TEXT NOT NULL DEFAULT 'normal';
ALTER TABLE case_file ADD COLUMN amount_centimes INTEGER;
ALTER TABLE case_file ADD COLUMN cgem_assignee TEXT;
ALTER TABLE case_file ADD COLUMN cnss_assignee TEXT;
ALTER TABLE case_file ADD COLUMN resolved_at TEXT;
ALTER TABLE case_file ADD COLUMN resolution TEXT;
ALTER TABLE case_file ADD COLUMN parent_id TEXT REFERENCES case_file (id);
-- Version of each editable field as this device last saw it ({"title": 3, ...}).
ALTER TABLE case_file ADD COLUMN field_versions TEXT NOT NULL DEFAULT '{}';

CREATE INDEX case_file_parent ON case_file (parent_id);
CREATE INDEX case_file_status ON case_file (status);
CREATE INDEX case_file_region ON case_file (region);

-- The timeline. Append-only: the triggers refuse any update or deletion.
CREATE TABLE case_event (
    id       TEXT PRIMARY KEY NOT NULL,
    case_id  TEXT NOT NULL REFERENCES case_file (id),
    at       TEXT NOT NULL,
    author   TEXT NOT NULL,
    kind     TEXT NOT NULL,
    body     TEXT NOT NULL
);
CREATE INDEX case_event_case ON case_event (case_id, id);
CREATE TRIGGER case_event_no_update BEFORE UPDATE ON case_event
BEGIN
    SELECT RAISE(ABORT, 'timeline events are append-only');
END;
CREATE TRIGGER case_event_no_delete BEFORE DELETE ON case_event
BEGIN
    SELECT RAISE(ABORT, 'timeline events are append-only');
END;

-- Related cases (both directions are stored).
CREATE TABLE case_link (
    case_id   TEXT NOT NULL REFERENCES case_file (id),
    other_id  TEXT NOT NULL REFERENCES case_file (id),
    PRIMARY KEY (case_id, other_id)
);

-- This device: its id, its user, and the next mutation sequence number.
CREATE TABLE device (
    singleton    INTEGER PRIMARY KEY NOT NULL CHECK (singleton = 1),
    id           TEXT NOT NULL,
    user_name    TEXT NOT NULL,
    institution  TEXT NOT NULL,
    next_seq     INTEGER NOT NULL
);

-- Mutations made here and not yet acknowledged by the server, in order.
CREATE TABLE outbox (
    device_seq   INTEGER PRIMARY KEY NOT NULL,
    mutation_id  TEXT NOT NULL UNIQUE,
    name         TEXT NOT NULL,
    body         TEXT NOT NULL,
    authored_at  TEXT NOT NULL
);

-- Full-text search: one row per case (its notes included), accent-insensitive.
CREATE VIRTUAL TABLE case_fts USING fts5 (
    case_id UNINDEXED,
    reference,
    title,
    description,
    notes,
    enterprise,
    ice,
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO case_fts (case_id, reference, title, description, notes, enterprise, ice)
SELECT c.id, c.reference, c.title, c.description, '', e.name, e.ice
FROM case_file c JOIN enterprise e ON e.id = c.enterprise_id;
