-- How each case's worst deadline state moves with the clock (`corridor_model::sla::SlaOutlook`),
-- kept so that a list filtered by deadline state is one query, not an evaluation of every
-- case. Times are nanoseconds since 1970 (UTC), compared exactly with the query's "now".
CREATE TABLE case_deadline (
    case_id        TEXT PRIMARY KEY NOT NULL REFERENCES case_file (id) ON DELETE CASCADE,
    floor          TEXT NOT NULL,
    near_from      INTEGER,
    breached_after INTEGER
) WITHOUT ROWID;

-- Cases whose outlook must be computed again (new, status history, category or priority
-- changed): the store brings them up to date, under its write lock, before a filtered list.
CREATE TABLE case_deadline_stale (
    case_id TEXT PRIMARY KEY NOT NULL
) WITHOUT ROWID;

INSERT INTO case_deadline_stale (case_id) SELECT id FROM case_file;

CREATE TRIGGER case_deadline_new_case AFTER INSERT ON case_file
BEGIN
    INSERT INTO case_deadline_stale (case_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
END;
CREATE TRIGGER case_deadline_case_changed AFTER UPDATE OF category, priority ON case_file
WHEN OLD.category IS NOT NEW.category OR OLD.priority IS NOT NEW.priority
BEGIN
    INSERT INTO case_deadline_stale (case_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
END;
CREATE TRIGGER case_deadline_status_added AFTER INSERT ON case_event
WHEN NEW.kind = 'status_changed'
BEGIN
    INSERT INTO case_deadline_stale (case_id) VALUES (NEW.case_id) ON CONFLICT DO NOTHING;
END;
CREATE TRIGGER case_deadline_status_changed AFTER UPDATE ON case_event
WHEN OLD.kind = 'status_changed' OR NEW.kind = 'status_changed'
BEGIN
    INSERT INTO case_deadline_stale (case_id) VALUES (OLD.case_id) ON CONFLICT DO NOTHING;
    INSERT INTO case_deadline_stale (case_id) VALUES (NEW.case_id) ON CONFLICT DO NOTHING;
END;
CREATE TRIGGER case_deadline_status_removed AFTER DELETE ON case_event
WHEN OLD.kind = 'status_changed'
BEGIN
    INSERT INTO case_deadline_stale (case_id) VALUES (OLD.case_id) ON CONFLICT DO NOTHING;
END;
