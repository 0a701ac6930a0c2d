-- Delivery reports (SPEC section 5, "Delivery proof"): DSNs and bounces collected from the
-- envelope sender's IMAP mailbox (bounces.c). A relay's 250 proves only that the relay took
-- the message; a report says whether the customer's server did.

-- Per message, what its reports say: delivered and failed are final, delayed is not.
ALTER TABLE outbox ADD COLUMN delivery TEXT CHECK (delivery IN ('delivered', 'delayed', 'failed'));
ALTER TABLE outbox ADD COLUMN delivery_at INTEGER;	-- when it was delivered, delayed or failed
ALTER TABLE outbox ADD COLUMN delivery_status TEXT;	-- "5.1.1"
ALTER TABLE outbox ADD COLUMN delivery_diagnostic TEXT;	-- the remote server's words

-- Every report linked to a message, once: the same report seen again (a mailbox whose
-- UIDVALIDITY changed, a copy in two folders) records nothing new.
CREATE TABLE deliveries (
	id INTEGER PRIMARY KEY,
	outbox_id INTEGER NOT NULL REFERENCES outbox(id),
	report_sha256 TEXT NOT NULL,		-- the report's bytes, kept as evidence
	rcpt TEXT NOT NULL,
	action TEXT NOT NULL,			-- delivered, delayed, failed, relayed, expanded
	status TEXT,
	at INTEGER NOT NULL,
	evidence_seq INTEGER NOT NULL,
	UNIQUE (outbox_id, report_sha256, rcpt)
);

-- The mailbox as far as it was read: a new UIDVALIDITY starts it over.
CREATE TABLE bounce_mailbox (
	url TEXT PRIMARY KEY,			-- without credentials
	uidvalidity INTEGER NOT NULL DEFAULT 0,
	last_uid INTEGER NOT NULL DEFAULT 0,
	last_poll INTEGER,
	last_ok INTEGER,
	result TEXT,				-- "ok" or "failed"
	error TEXT,
	reports INTEGER NOT NULL DEFAULT 0	-- reports linked in all
);

-- The messages that could not be delivered and were not sent again since (a later message
-- of the same kind about the same booking, such as a dunning step resent): what status and
-- the digest show, and what `noshowctl resend` acts on.
CREATE VIEW bounced AS
SELECT o.* FROM outbox o
WHERE o.delivery = 'failed' AND NOT EXISTS (SELECT 1 FROM outbox n WHERE n.id > o.id
	AND n.booking_id IS o.booking_id AND n.kind = o.kind AND n.message_id <> o.message_id);
