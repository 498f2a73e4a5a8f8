-- pmsg schema version 1 (SPEC R-ST1). Instants are integer milliseconds
-- since the Unix epoch, UTC. `seq` columns give creation order.

CREATE TABLE account (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL CHECK (kind IN ('patient', 'caregiver')),
    display_name TEXT NOT NULL,
    registered   INTEGER NOT NULL
) STRICT;

CREATE TABLE staff (
    id             TEXT PRIMARY KEY,
    display_name   TEXT NOT NULL,
    accepts_direct INTEGER NOT NULL
) STRICT;

CREATE TABLE workgroup (
    id   TEXT PRIMARY KEY,
    name TEXT NOT NULL
) STRICT;

CREATE TABLE workgroup_member (
    workgroup_id TEXT NOT NULL REFERENCES workgroup(id),
    staff_id     TEXT NOT NULL REFERENCES staff(id),
    PRIMARY KEY (workgroup_id, staff_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX workgroup_member_by_staff ON workgroup_member(staff_id, workgroup_id);

-- emr_key: the case-folded EMR ID (§15); emr_id keeps the newest spelling.
CREATE TABLE patient (
    emr_key       TEXT PRIMARY KEY,
    emr_id        TEXT NOT NULL,
    first_name    TEXT NOT NULL,
    last_name     TEXT NOT NULL,
    first_folded  TEXT NOT NULL,
    last_folded   TEXT NOT NULL,
    date_of_birth TEXT NOT NULL,
    dependent     INTEGER NOT NULL,
    account_id    TEXT REFERENCES account(id)
) STRICT;
CREATE INDEX patient_by_name ON patient(last_folded, first_folded, emr_id);
CREATE INDEX patient_by_account ON patient(account_id);

CREATE TABLE connection (
    patient_key  TEXT NOT NULL REFERENCES patient(emr_key),
    caregiver_id TEXT NOT NULL REFERENCES account(id),
    active       INTEGER NOT NULL,
    PRIMARY KEY (patient_key, caregiver_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX connection_by_caregiver ON connection(caregiver_id, patient_key);

CREATE TABLE conversation (
    seq                 INTEGER PRIMARY KEY,
    id                  TEXT NOT NULL UNIQUE,
    patient_key         TEXT NOT NULL REFERENCES patient(emr_key),
    subject             TEXT NOT NULL,
    created_at          INTEGER NOT NULL,
    last_activity       INTEGER NOT NULL,
    status              TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    current_from        TEXT NOT NULL,          -- 'workgroup:ID' or 'staff:ID'
    has_patient_message INTEGER NOT NULL DEFAULT 0,
    unread_by_patient   INTEGER NOT NULL DEFAULT 0, -- staff messages the patient side has not read
    unread_by_staff     INTEGER NOT NULL DEFAULT 0, -- patient messages the staff side has not read
    last_staff_message  INTEGER,                -- message.seq
    req_message         INTEGER,                -- message.seq of the outstanding requirement (R-D2)
    req_due_at          INTEGER,
    filed_to_chart_at   INTEGER
) STRICT;
-- Staff-side parties of a conversation (R-M0): authors and `from`
-- identities, with a copy of the conversation's folder sort key (§7) so a
-- folder page is an index range per party, whatever the table's size.
CREATE TABLE conversation_party (
    party            TEXT NOT NULL,             -- 'staff:ID' or 'workgroup:ID'
    conversation_seq INTEGER NOT NULL REFERENCES conversation(seq),
    authored         INTEGER NOT NULL,          -- this staff party authored a message
    last_activity    INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    PRIMARY KEY (party, conversation_seq)
) STRICT, WITHOUT ROWID;
CREATE INDEX conversation_party_by_conversation ON conversation_party(conversation_seq);
CREATE INDEX conversation_party_by_activity
    ON conversation_party(party, last_activity DESC, created_at DESC, conversation_seq DESC);

-- Patient-side participants (R-M0): every account a message was delivered
-- to, with the same copy of the sort key.
CREATE TABLE conversation_account (
    account_id       TEXT NOT NULL REFERENCES account(id),
    conversation_seq INTEGER NOT NULL REFERENCES conversation(seq),
    last_activity    INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    PRIMARY KEY (account_id, conversation_seq)
) STRICT, WITHOUT ROWID;
CREATE INDEX conversation_account_by_conversation ON conversation_account(conversation_seq);
CREATE INDEX conversation_account_by_activity
    ON conversation_account(account_id, last_activity DESC, created_at DESC, conversation_seq DESC);

CREATE TABLE message (
    seq                     INTEGER PRIMARY KEY,
    id                      TEXT NOT NULL UNIQUE,
    conversation_seq        INTEGER NOT NULL REFERENCES conversation(seq),
    side                    TEXT NOT NULL CHECK (side IN ('staff', 'patient')),
    author                  TEXT NOT NULL,      -- staff id or account id
    from_party              TEXT NOT NULL,      -- 'workgroup:ID', 'staff:ID' or 'account:ID'
    to_party                TEXT,               -- patient replies: the `from` identity it went to
    sent_at                 INTEGER NOT NULL,
    body                    TEXT NOT NULL,
    response                TEXT,               -- 'closed', 'allowed', 'required' (staff only)
    required_days           INTEGER,
    response_due_at         INTEGER,
    allow_reply_attachments INTEGER NOT NULL DEFAULT 0,
    mask_name               INTEGER NOT NULL DEFAULT 0,
    notify_count            INTEGER,
    notify_unit             TEXT,
    fee_code                TEXT,
    file_to_chart           INTEGER NOT NULL DEFAULT 0,
    read_at                 INTEGER             -- first read by the addressee side (R-M1)
) STRICT;
CREATE INDEX message_by_conversation ON message(conversation_seq, seq);

CREATE TABLE delivery (
    message_seq INTEGER NOT NULL REFERENCES message(seq),
    account_id  TEXT NOT NULL REFERENCES account(id),
    PRIMARY KEY (message_seq, account_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE attachment (
    seq               INTEGER PRIMARY KEY,
    id                TEXT NOT NULL UNIQUE,
    message_seq       INTEGER NOT NULL REFERENCES message(seq),
    name              TEXT NOT NULL,
    media_type        TEXT NOT NULL,
    size              INTEGER NOT NULL,
    content           BLOB,                     -- NULL once purged (R-D6)
    first_download_at INTEGER,
    purge_due_at      INTEGER,
    purged_at         INTEGER
) STRICT;
CREATE INDEX attachment_by_message ON attachment(message_seq, seq);
CREATE INDEX attachment_purge_due ON attachment(purge_due_at) WHERE purged_at IS NULL AND purge_due_at IS NOT NULL;

CREATE TABLE event (
    seq              INTEGER PRIMARY KEY,
    id               TEXT NOT NULL UNIQUE,
    kind             TEXT NOT NULL,
    recipient        TEXT NOT NULL,
    conversation_seq INTEGER NOT NULL REFERENCES conversation(seq),
    message_seq      INTEGER REFERENCES message(seq),
    due_at           INTEGER NOT NULL,
    state            TEXT NOT NULL CHECK (state IN ('pending', 'acked', 'cancelled')),
    acked_at         INTEGER
) STRICT;
CREATE INDEX event_pending_by_due ON event(due_at, seq) WHERE state = 'pending';
CREATE INDEX event_by_conversation ON event(conversation_seq, kind) WHERE state = 'pending';

CREATE TABLE billing_entry (
    seq              INTEGER PRIMARY KEY,
    fee_code         TEXT NOT NULL,
    author           TEXT NOT NULL,
    emr_id           TEXT NOT NULL,
    conversation_seq INTEGER NOT NULL REFERENCES conversation(seq),
    message_seq      INTEGER NOT NULL REFERENCES message(seq),
    sent_at          INTEGER NOT NULL
) STRICT;
CREATE INDEX billing_entry_by_sent ON billing_entry(sent_at, seq);

CREATE TABLE audit (
    seq          INTEGER PRIMARY KEY,
    at           INTEGER NOT NULL,
    actor        TEXT NOT NULL,
    action       TEXT NOT NULL,
    conversation TEXT,
    message      TEXT,
    prev_hash    TEXT NOT NULL,
    hash         TEXT NOT NULL
) STRICT;
