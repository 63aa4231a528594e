-- Corridor local store: free tags on cases (JSON array of strings).
ALTER TABLE case_file ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
