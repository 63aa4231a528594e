-- Corridor local store: Arabic search as people type it.
--
-- The search table gains an `arabic` column: for every Arabic word of the case (title,
-- description, notes, enterprise) its normalised form, that form without its particles and
-- its light stem (corridor_model::arabic::index_forms), computed by the store. The columns
-- as written stay for snippets. The column is filled for the existing rows by the store at
-- the next opening (search_rebuild).
DROP TABLE case_fts;
CREATE VIRTUAL TABLE case_fts USING fts5 (
    case_id UNINDEXED,
    reference,
    title,
    description,
    notes,
    enterprise,
    ice,
    arabic,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3 4 6 8'
);
DELETE FROM case_fts_row;
INSERT INTO case_fts (case_id, reference, title, description, notes, enterprise, ice, arabic)
SELECT c.id, c.reference, c.title, c.description,
       COALESCE((SELECT group_concat(json_extract(body, '$.text'), ' ') FROM case_event
                 WHERE case_id = c.id AND kind = 'note'), ''),
       e.name, e.ice, ''
FROM case_file c JOIN enterprise e ON e.id = c.enterprise_id;
INSERT INTO case_fts_row (case_id, fts_rowid) SELECT case_id, rowid FROM case_fts;

CREATE TABLE search_rebuild (
    singleton  INTEGER PRIMARY KEY NOT NULL CHECK (singleton = 1)
);
INSERT INTO search_rebuild (singleton) VALUES (1);
