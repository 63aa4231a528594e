-- Corridor local store, first schema: enterprises and cases.
-- Identifiers are UUIDv7 in text form; instants are RFC 3339 UTC text.

CREATE TABLE enterprise (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    ice         TEXT NOT NULL UNIQUE,
    cnss        TEXT,
    city        TEXT,
    region      TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

-- "case" is an SQL keyword.
CREATE TABLE case_file (
    id             TEXT PRIMARY KEY NOT NULL,
    reference      TEXT NOT NULL UNIQUE,
    enterprise_id  TEXT NOT NULL REFERENCES enterprise (id),
    category       TEXT NOT NULL,
    title          TEXT NOT NULL,
    description    TEXT NOT NULL DEFAULT '',
    status         TEXT NOT NULL,
    region         TEXT NOT NULL,
    opened_at      TEXT NOT NULL
);

CREATE INDEX case_file_opened_at ON case_file (opened_at DESC);
CREATE INDEX case_file_enterprise ON case_file (enterprise_id);

-- Next local sequence number of references, per year (Casablanca time) and region.
CREATE TABLE reference_counter (
    year    INTEGER NOT NULL,
    region  TEXT NOT NULL,
    next    INTEGER NOT NULL,
    PRIMARY KEY (year, region)
);
