-- Uploads in progress, one per content and uploader: a wrong size announced by one user blocks
-- nobody else, and an upload left incomplete expires. `attachment` keeps complete contents only.
CREATE TABLE attachment_upload (
    hash        TEXT NOT NULL,
    username    TEXT NOT NULL,
    size        INTEGER NOT NULL,
    received    INTEGER NOT NULL DEFAULT 0,
    started_at  TEXT NOT NULL,
    PRIMARY KEY (hash, username)
);
CREATE INDEX attachment_upload_user ON attachment_upload (username);
CREATE INDEX attachment_upload_started ON attachment_upload (started_at);

CREATE TABLE attachment_upload_chunk (
    hash          TEXT NOT NULL,
    username      TEXT NOT NULL,
    chunk_offset  INTEGER NOT NULL,
    data          BLOB NOT NULL,
    PRIMARY KEY (hash, username, chunk_offset),
    FOREIGN KEY (hash, username) REFERENCES attachment_upload (hash, username) ON DELETE CASCADE
);

-- Who proved they hold a content (sent it whole, matching its hash), and when: they may
-- reference it in a case of theirs. What they sent counts against their daily quota.
CREATE TABLE attachment_holder (
    hash      TEXT NOT NULL REFERENCES attachment (hash),
    username  TEXT NOT NULL,
    at        TEXT NOT NULL,
    PRIMARY KEY (hash, username)
);
CREATE INDEX attachment_holder_user_at ON attachment_holder (username, at);

INSERT INTO attachment_holder (hash, username, at)
    SELECT hash, uploaded_by, created_at FROM attachment WHERE complete;
DELETE FROM attachment_chunk WHERE hash IN (SELECT hash FROM attachment WHERE NOT complete);
DELETE FROM attachment WHERE NOT complete;
