-- Corridor local store: attachment contents travel to and from the server by hash.
-- uploaded: the server has the whole content. Downloads in progress are kept here, inside the
-- encrypted database (never as a clear file), until complete and checked.
ALTER TABLE attachment_blob ADD COLUMN uploaded INTEGER NOT NULL DEFAULT 0;
CREATE TABLE attachment_download (
    hash          TEXT NOT NULL,
    chunk_offset  INTEGER NOT NULL,
    data          BLOB NOT NULL,
    PRIMARY KEY (hash, chunk_offset)
);

-- Where each case's search row is: rewriting the row of one case finds it by rowid instead of
-- scanning the search table (case_id is not indexed by FTS5). The search row keeps a fresh
-- rowid at each rewrite, so rowid order stays "latest activity first".
CREATE TABLE case_fts_row (
    case_id    TEXT PRIMARY KEY NOT NULL,
    fts_rowid  INTEGER NOT NULL
);
INSERT INTO case_fts_row (case_id, fts_rowid) SELECT case_id, MAX(rowid) FROM case_fts GROUP BY case_id;

-- The attachments of the timeline, found without scanning every event.
CREATE INDEX case_event_attachment ON case_event (id) WHERE kind = 'attachment';
