-- Schema version 3: claims on events (R-D7), confidential conversations
-- (§18), assignments (§17) and group sends (§16). Instants are integer
-- milliseconds since the Unix epoch, UTC; `seq` columns give creation order.

-- R-D7: the latest claim of an event: who took it and until when. A claim
-- is in force while claimed_until > now; the rules decide that, not SQL.
ALTER TABLE event ADD COLUMN claimed_by TEXT;
ALTER TABLE event ADD COLUMN claimed_until INTEGER;

-- R-CF1: fixed by the first message for the conversation's whole life.
ALTER TABLE conversation ADD COLUMN confidential INTEGER NOT NULL DEFAULT 0;

-- A patient's conversations (directory upserts re-check access to them, §15).
CREATE INDEX conversation_by_patient ON conversation(patient_key, seq);

-- R-AS1…R-AS4: every assignment of a conversation, in the order applied.
CREATE TABLE assignment (
    seq              INTEGER PRIMARY KEY,
    conversation_seq INTEGER NOT NULL REFERENCES conversation(seq),
    by_party         TEXT NOT NULL,          -- 'staff:ID'
    to_party         TEXT NOT NULL,          -- 'workgroup:ID' or 'staff:ID'
    note             TEXT,                   -- NULL: no note ('' is a note)
    at               INTEGER NOT NULL
) STRICT;
CREATE INDEX assignment_by_conversation ON assignment(conversation_seq, seq);

-- R-G4: a group send as sent (author, from, list, outcome); never changes.
CREATE TABLE group_send (
    seq        INTEGER PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,
    author     TEXT NOT NULL,                -- staff id
    from_party TEXT NOT NULL,                -- 'workgroup:ID' or 'staff:ID'
    sent_at    INTEGER NOT NULL
) STRICT;

-- One row per patient of the list (repeats dropped), in list order: the
-- EMR ID as written, and either the conversation and its first message or
-- the skip code.
CREATE TABLE group_entry (
    group_seq        INTEGER NOT NULL REFERENCES group_send(seq),
    position         INTEGER NOT NULL,
    emr_id           TEXT NOT NULL,
    conversation_seq INTEGER REFERENCES conversation(seq),
    message_seq      INTEGER REFERENCES message(seq),
    skipped          TEXT,
    PRIMARY KEY (group_seq, position)
) STRICT, WITHOUT ROWID;
