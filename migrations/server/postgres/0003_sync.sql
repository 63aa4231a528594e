-- Corridor server: the sync state. One JSON document per entity, each written under a change
-- version taken from sync_clock. Every writer updates the clock row first, so writers are
-- serialised on it and commit in version order: a reader that has seen version V can never
-- later meet a newly committed change below V (the pull cursor never skips).

CREATE TABLE sync_clock (
    singleton  INTEGER PRIMARY KEY NOT NULL CHECK (singleton = 1),
    version    BIGINT NOT NULL
);
INSERT INTO sync_clock (singleton, version) VALUES (1, 0);

CREATE TABLE sync_doc (
    kind      TEXT NOT NULL,
    id        TEXT NOT NULL,
    -- Region of the document; NULL for documents of every region (the committee's roadmap).
    region    TEXT,
    -- Who may read it: all, cgem, cnss (internal notes).
    audience  TEXT NOT NULL DEFAULT 'all',
    -- Cases: their parent case; events and conflicts: their case.
    parent_id TEXT,
    version   BIGINT NOT NULL,
    doc       TEXT NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE INDEX sync_doc_version ON sync_doc (version);
CREATE INDEX sync_doc_parent ON sync_doc (parent_id, kind);

-- One enterprise per ICE; an enterprise recorded twice offline is merged into the first.
CREATE TABLE enterprise_ice (
    ice            TEXT PRIMARY KEY NOT NULL,
    enterprise_id  TEXT NOT NULL
);
CREATE TABLE id_alias (
    alias  TEXT PRIMARY KEY NOT NULL,
    id     TEXT NOT NULL
);

-- Final case references: next number per year (Casablanca time) and region.
CREATE TABLE reference_counter (
    year    INTEGER NOT NULL,
    region  TEXT NOT NULL,
    next    BIGINT NOT NULL,
    PRIMARY KEY (year, region)
);

-- The answer given to each pushed mutation, so that a retried push gets it again.
CREATE TABLE push_result (
    device_id   TEXT NOT NULL,
    device_seq  BIGINT NOT NULL,
    result      TEXT NOT NULL,
    PRIMARY KEY (device_id, device_seq)
);

-- Append-only audit log of applied mutations, each entry chained to the previous by hash.
CREATE TABLE audit_log (
    seq          BIGINT PRIMARY KEY NOT NULL,
    at           TIMESTAMPTZ NOT NULL,
    username     TEXT NOT NULL,
    device_id    TEXT NOT NULL,
    mutation_id  TEXT NOT NULL,
    name         TEXT NOT NULL,
    outcome      TEXT NOT NULL,
    body         TEXT NOT NULL,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL
);
CREATE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
