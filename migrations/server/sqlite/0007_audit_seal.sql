-- The seal of each audit entry: HMAC-SHA256 of its hash under the audit key kept outside the
-- database (absent for entries written before the server had one).
ALTER TABLE audit_log ADD COLUMN mac TEXT;
