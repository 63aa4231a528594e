-- Corridor local store: attachments. Content is stored encrypted in attachments/<sha256>,
-- each file under its own random key, kept here (inside the encrypted database).

CREATE TABLE attachment_blob (
    hash        TEXT PRIMARY KEY NOT NULL,
    file_key    TEXT NOT NULL,
    size        INTEGER NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE case_attachment (
    event_id  TEXT PRIMARY KEY NOT NULL,
    case_id   TEXT NOT NULL REFERENCES case_file (id),
    hash      TEXT NOT NULL REFERENCES attachment_blob (hash),
    name      TEXT NOT NULL,
    mime      TEXT NOT NULL,
    size      INTEGER NOT NULL,
    added_at  TEXT NOT NULL
);
CREATE INDEX case_attachment_case ON case_attachment (case_id);
