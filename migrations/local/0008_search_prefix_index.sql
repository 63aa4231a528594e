-- Corridor local store: every search word is a prefix; prefix indexes of 2 to 4 characters let
-- FTS5 answer them without merging the doclists of every matching term.
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
    prefix = '2 3 4'
);
INSERT INTO case_fts (case_id, reference, title, description, notes, enterprise, ice)
SELECT c.id, c.reference, c.title, c.description,
       COALESCE((SELECT group_concat(json_extract(body, '$.text'), ' ') FROM case_event
                 WHERE case_id = c.id AND kind = 'note'), ''),
       e.name, e.ice
FROM case_file c JOIN enterprise e ON e.id = c.enterprise_id;
