-- Corridor local store: what the shared rule engine needs on the device.
--
-- Field versions are the server's (a device never counts them); the device that wrote each
-- field's current version tells a device's own later edits from someone else's.
ALTER TABLE case_file ADD COLUMN field_writers TEXT NOT NULL DEFAULT '{}';
ALTER TABLE meeting ADD COLUMN minutes_version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE meeting ADD COLUMN minutes_writer TEXT;
ALTER TABLE roadmap_item ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE roadmap_item ADD COLUMN writer TEXT;

-- The server's last version of every enterprise, meeting and roadmap item (cases keep theirs
-- in server_case), so that a change the server refused can be undone on every document kind.
CREATE TABLE server_doc (
    kind  TEXT NOT NULL,
    id    TEXT NOT NULL,
    doc   TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);

-- Enterprises, meetings and roadmap items to rebuild once the pull completes; `created`: a
-- change made here created it (one the server never confirmed is then removed).
CREATE TABLE sync_rebase_doc (
    kind     TEXT NOT NULL,
    id       TEXT NOT NULL,
    created  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (kind, id)
);
