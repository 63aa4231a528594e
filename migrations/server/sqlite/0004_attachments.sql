-- Corridor server: attachment contents by SHA-256, uploaded in resumable chunks.

CREATE TABLE attachment (
    hash         TEXT PRIMARY KEY NOT NULL,
    size         INTEGER NOT NULL,
    received     INTEGER NOT NULL DEFAULT 0,
    complete     INTEGER NOT NULL DEFAULT 0,
    uploaded_by  TEXT NOT NULL,
    created_at   TEXT NOT NULL
);

CREATE TABLE attachment_chunk (
    hash          TEXT NOT NULL REFERENCES attachment (hash) ON DELETE CASCADE,
    chunk_offset  INTEGER NOT NULL,
    data          BLOB NOT NULL,
    PRIMARY KEY (hash, chunk_offset)
);

-- The regions of the cases a content is attached to: who may download it.
CREATE TABLE attachment_ref (
    hash    TEXT NOT NULL,
    region  TEXT NOT NULL,
    PRIMARY KEY (hash, region)
);
