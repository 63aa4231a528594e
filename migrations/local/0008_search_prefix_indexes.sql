-- Corridor local store: search rebuilt with prefix indexes of 2, 3, 4, 6 and 8 characters.
-- Search words are cut to an indexed length (see corridor-store/src/search.rs), so every word
-- is answered from a precomputed prefix doclist instead of merging the doclists of all the
-- terms it starts.
DROP TABLE case_fts;
CREATE VIRTUAL TABLE case_fts USING fts5 (
    case_id UNINDEXED,
    reference,
    title,
    description,
    notes,
    enterprise,
    ice,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3 4 6 8'
);
INSERT INTO case_fts (case_id, reference, title, description, notes, enterprise, ice)
SELECT c.id, c.reference, c.title, c.description,
       COALESCE((SELECT group_concat(json_extract(body, '$.text'), ' ') FROM case_event
                 WHERE case_id = c.id AND kind = 'note'), ''),
       e.name, e.ice
FROM case_file c JOIN enterprise e ON e.id = c.enterprise_id;
