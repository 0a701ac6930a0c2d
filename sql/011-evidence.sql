-- The registered-mail evidence log (SPEC section 5). Each record is one canonical JSON line
-- (body) whose SHA-256 is its hash; every body names the hash of the record before it
-- (prev_hash), so the log is a chain, and checkpoint records sign its head and the root of a
-- Merkle tree over the records before them. Records are never updated or deleted.
CREATE TABLE evidence (
	seq INTEGER PRIMARY KEY,		-- 1, 2, 3, ... without gaps
	at_ms INTEGER NOT NULL,			-- UTC, milliseconds
	event TEXT NOT NULL,			-- relay-acceptance, relay-rejection, relay-failure, checkpoint
	booking_id INTEGER REFERENCES bookings(id),
	outbox_id INTEGER REFERENCES outbox(id),
	body TEXT NOT NULL,			-- the canonical record
	hash TEXT NOT NULL,			-- SHA-256 of body, lower hex
	leaf BLOB NOT NULL			-- its Merkle leaf hash, SHA-256(0x00 || body), so a
						-- checkpoint reads 32 bytes a record, not the bodies
);
CREATE INDEX evidence_booking ON evidence(booking_id);
CREATE INDEX evidence_outbox ON evidence(outbox_id);
CREATE INDEX evidence_checkpoint ON evidence(event) WHERE event = 'checkpoint';
CREATE TRIGGER evidence_no_update BEFORE UPDATE ON evidence
BEGIN SELECT RAISE(ABORT, 'evidence records cannot be changed'); END;
CREATE TRIGGER evidence_no_delete BEFORE DELETE ON evidence
BEGIN SELECT RAISE(ABORT, 'evidence records cannot be deleted'); END;

-- What the evidence says of each message beyond its bytes: the SHA-256 of the template file
-- it was rendered from, and the figures in force when it was composed (amounts, costs,
-- terms, as the message states them), as a JSON object.
ALTER TABLE outbox ADD COLUMN template_hash TEXT;
ALTER TABLE outbox ADD COLUMN figures TEXT;
