-- Corridor local store: an enterprise's record can be changed (`update_enterprise`). The
-- server counts the versions of its editable fields; a device keeps the version it last
-- pulled, which the changes it makes carry as their base, and the device that wrote it.
ALTER TABLE enterprise ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
ALTER TABLE enterprise ADD COLUMN writer TEXT;
