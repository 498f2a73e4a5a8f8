-- Schema version 2: every staff folder page is an index range of exactly
-- its own rows (§7). Version 1 read a party's whole activity range and
-- filtered it, so a sparse folder (few awaiting conversations among a
-- workgroup's 100k) scanned the party's range to fill one page.
--
-- Each staff-side party row carries the folder flags of its conversation,
-- kept in step by the trigger below (and set at insert by insert_party),
-- and each folder has a partial index in the folder's sort order.
ALTER TABLE conversation_party ADD COLUMN inbox INTEGER NOT NULL DEFAULT 0;    -- open, with a patient message
ALTER TABLE conversation_party ADD COLUMN awaiting INTEGER NOT NULL DEFAULT 0; -- open, with an outstanding requirement
ALTER TABLE conversation_party ADD COLUMN closed INTEGER NOT NULL DEFAULT 0;   -- closed

UPDATE conversation_party SET
    inbox = (c.status = 'open' AND c.has_patient_message = 1),
    awaiting = (c.status = 'open' AND c.req_message IS NOT NULL),
    closed = (c.status = 'closed')
FROM conversation c WHERE c.seq = conversation_party.conversation_seq;

CREATE TRIGGER conversation_folder_flags
AFTER UPDATE OF status, has_patient_message, req_message ON conversation
BEGIN
    UPDATE conversation_party SET
        inbox = (NEW.status = 'open' AND NEW.has_patient_message = 1),
        awaiting = (NEW.status = 'open' AND NEW.req_message IS NOT NULL),
        closed = (NEW.status = 'closed')
    WHERE conversation_seq = NEW.seq;
END;

CREATE INDEX conversation_party_inbox
    ON conversation_party(party, last_activity DESC, created_at DESC, conversation_seq DESC) WHERE inbox = 1;
CREATE INDEX conversation_party_sent
    ON conversation_party(party, last_activity DESC, created_at DESC, conversation_seq DESC)
    WHERE authored = 1 AND closed = 0;
CREATE INDEX conversation_party_awaiting
    ON conversation_party(party, last_activity DESC, created_at DESC, conversation_seq DESC) WHERE awaiting = 1;
CREATE INDEX conversation_party_closed
    ON conversation_party(party, last_activity DESC, created_at DESC, conversation_seq DESC) WHERE closed = 1;
