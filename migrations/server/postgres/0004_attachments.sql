-- Corridor server: attachment contents by SHA-256, uploaded in resumable chunks.

CREATE TABLE attachment (
    hash         TEXT PRIMARY KEY NOT NULL,
    size         BIGINT NOT NULL,
    received     BIGINT NOT NULL DEFAULT 0,
    complete     BOOLEAN NOT NULL DEFAULT FALSE,
    uploaded_by  TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL
);

CREATE TABLE attachment_chunk (
    hash          TEXT NOT NULL REFERENCES attachment (hash) ON DELETE CASCADE,
    chunk_offset  BIGINT NOT NULL,
    data          BYTEA NOT NULL,
    PRIMARY KEY (hash, chunk_offset)
);

-- The regions of the cases a content is attached to: who may download it.
CREATE TABLE attachment_ref (
    hash    TEXT NOT NULL,
    region  TEXT NOT NULL,
    PRIMARY KEY (hash, region)
);
