-- Corridor local store: indexes for the filtered, newest-first case list (the common queries
-- of the case list: by region and status, by status), with the id tie-break of stable paging.
CREATE INDEX case_file_region_status_opened ON case_file (region, status, opened_at DESC, id DESC);
CREATE INDEX case_file_status_opened ON case_file (status, opened_at DESC, id DESC);
CREATE INDEX case_file_opened_id ON case_file (opened_at DESC, id DESC);

-- Most cases have no parent: a partial index keeps "children of X" a lookup even when the
-- planner's statistics say almost every parent_id is NULL.
DROP INDEX case_file_parent;
CREATE INDEX case_file_parent ON case_file (parent_id) WHERE parent_id IS NOT NULL;
