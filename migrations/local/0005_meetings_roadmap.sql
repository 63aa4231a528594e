-- Corridor local store: meetings (agenda, decisions, minutes, action items) and the permanent
-- committee's joint roadmap.

CREATE TABLE meeting (
    id            TEXT PRIMARY KEY NOT NULL,
    region        TEXT NOT NULL,
    title         TEXT NOT NULL,
    at            TEXT NOT NULL,
    place         TEXT,
    participants  TEXT NOT NULL DEFAULT '[]',
    minutes       TEXT
);
CREATE INDEX meeting_at ON meeting (at);

CREATE TABLE meeting_agenda (
    meeting_id  TEXT NOT NULL REFERENCES meeting (id),
    case_id     TEXT NOT NULL REFERENCES case_file (id),
    position    INTEGER NOT NULL,
    decision    TEXT,
    PRIMARY KEY (meeting_id, case_id)
);

CREATE TABLE meeting_action (
    id          TEXT PRIMARY KEY NOT NULL,
    meeting_id  TEXT NOT NULL REFERENCES meeting (id),
    text        TEXT NOT NULL,
    owner       TEXT NOT NULL,
    due         TEXT,
    done        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX meeting_action_meeting ON meeting_action (meeting_id);

CREATE TABLE roadmap_item (
    id           TEXT PRIMARY KEY NOT NULL,
    title        TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    owner        TEXT NOT NULL,
    status       TEXT NOT NULL,
    progress     INTEGER NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100)
);

CREATE TABLE roadmap_milestone (
    id       TEXT PRIMARY KEY NOT NULL,
    item_id  TEXT NOT NULL REFERENCES roadmap_item (id),
    title    TEXT NOT NULL,
    due      TEXT,
    done     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX roadmap_milestone_item ON roadmap_milestone (item_id);
