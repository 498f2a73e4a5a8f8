-- Schema version 2 on PostgreSQL, the twin of ../0002_folder_indexes.sql:
-- every staff folder page is an index range of exactly its own rows (§7).
-- The rules keep each party row's folder flags in step (folders.rs); each
-- folder has a partial index in the folder's sort order.
ALTER TABLE conversation_party ADD COLUMN inbox BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE conversation_party ADD COLUMN awaiting BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE conversation_party ADD COLUMN closed BOOLEAN NOT NULL DEFAULT FALSE;

UPDATE conversation_party SET
    inbox = (c.status = 'open' AND c.has_patient_message),
    awaiting = (c.status = 'open' AND c.req_message IS NOT NULL),
    closed = (c.status = 'closed')
FROM conversation c WHERE c.seq = conversation_party.conversation_seq;

CREATE INDEX conversation_party_inbox
    ON conversation_party(party, last_activity DESC, created_at DESC, conversation_seq DESC) WHERE inbox;
CREATE INDEX conversation_party_sent
    ON conversation_party(party, last_activity DESC, created_at DESC, conversation_seq DESC)
    WHERE authored AND NOT closed;
CREATE INDEX conversation_party_awaiting
    ON conversation_party(party, last_activity DESC, created_at DESC, conversation_seq DESC) WHERE awaiting;
CREATE INDEX conversation_party_closed
    ON conversation_party(party, last_activity DESC, created_at DESC, conversation_seq DESC) WHERE closed;
