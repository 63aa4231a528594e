-- Corridor server: users, their regions, devices and their tokens, login attempts.

CREATE TABLE app_user (
    id             TEXT PRIMARY KEY NOT NULL,
    username       TEXT NOT NULL UNIQUE,
    role           TEXT NOT NULL CHECK (role IN ('cgem_officer', 'cnss_rep', 'committee', 'admin')),
    -- Region codes, comma-separated (MA-06,MA-04); empty for the committee and admins.
    regions        TEXT NOT NULL DEFAULT '',
    password_hash  TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    disabled       BOOLEAN NOT NULL DEFAULT FALSE
);

-- A device is registered at login; its bearer token is stored hashed (SHA-256).
CREATE TABLE device (
    id                TEXT PRIMARY KEY NOT NULL,
    user_id           TEXT NOT NULL REFERENCES app_user (id),
    name              TEXT NOT NULL,
    token_hash        TEXT NOT NULL UNIQUE,
    created_at        TIMESTAMPTZ NOT NULL,
    last_seen_at      TIMESTAMPTZ NOT NULL,
    revoked_at        TIMESTAMPTZ,
    -- Highest device_seq applied for this device (exactly-once push).
    last_applied_seq  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX device_user ON device (user_id);

-- Failed logins, for rate limiting across server instances.
CREATE TABLE login_failure (
    username  TEXT NOT NULL,
    at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX login_failure_user_at ON login_failure (username, at);
