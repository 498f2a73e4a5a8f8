-- Schema version 4: the clinic's settings belong to the store (R-ST3).
-- One row: the settings in their normal form (§14), as a JSON object of
-- the §14 keys, and a version that every update_settings increments, so
-- that a handle checks its cached copy with one read of the row's version
-- in each operation's transaction. The row is written by the first open
-- after this migration (that open's settings, or the defaults): a new
-- store, or an older one upgraded, takes the settings of its first handle.
CREATE TABLE settings (
    id      INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL,
    config  TEXT NOT NULL
) STRICT;
