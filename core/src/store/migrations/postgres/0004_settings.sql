-- Schema version 4 on PostgreSQL, the twin of ../0004_settings.sql: the
-- clinic's settings belong to the store (R-ST3). One row: the normal form
-- of the §14 settings as a JSON object, and a version that every
-- update_settings increments; written by the first open after this
-- migration.
CREATE TABLE settings (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version BIGINT NOT NULL,
    config  TEXT COLLATE "C" NOT NULL
);
