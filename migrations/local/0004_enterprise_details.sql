-- Corridor local store: enterprise details and contacts.
ALTER TABLE enterprise ADD COLUMN rc TEXT;
ALTER TABLE enterprise ADD COLUMN legal_form TEXT;
ALTER TABLE enterprise ADD COLUMN sector TEXT;
ALTER TABLE enterprise ADD COLUMN size TEXT;
ALTER TABLE enterprise ADD COLUMN cgem_member INTEGER NOT NULL DEFAULT 0;
-- JSON array of {name, role, phone, email}.
ALTER TABLE enterprise ADD COLUMN contacts TEXT NOT NULL DEFAULT '[]';
