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
