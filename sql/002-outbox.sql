-- The durable outbox and invoice numbers. A message is rendered and stored here in the
-- same transaction as the state change that causes it; a sender then claims, sends and
-- records it. The bytes are fixed when the message is decided, so a retry after a crash
-- sends the same message with the same Message-ID.

CREATE TABLE invoices (
	id INTEGER PRIMARY KEY,
	number TEXT NOT NULL UNIQUE,		-- "2026-0001": gapless per year
	year INTEGER NOT NULL,
	seq INTEGER NOT NULL,
	booking_id INTEGER NOT NULL REFERENCES bookings(id),
	issued_at INTEGER NOT NULL,
	amount INTEGER NOT NULL,		-- cents, VAT included
	vat INTEGER NOT NULL,			-- cents of VAT in amount
	UNIQUE (year, seq)
);
CREATE INDEX invoices_booking ON invoices(booking_id);

CREATE TABLE outbox (
	id INTEGER PRIMARY KEY,
	booking_id INTEGER REFERENCES bookings(id),
	kind TEXT NOT NULL,
	language TEXT NOT NULL,
	template TEXT NOT NULL,
	message_id TEXT NOT NULL,
	env_from TEXT NOT NULL,
	rcpt TEXT NOT NULL,
	hash TEXT NOT NULL,			-- SHA-256 of the message (outbox_data)
	state TEXT NOT NULL CHECK (state IN ('queued', 'sending', 'sent', 'deferred', 'failed')),
	attempts INTEGER NOT NULL DEFAULT 0,
	next_attempt INTEGER NOT NULL,
	created INTEGER NOT NULL,
	sent_at INTEGER,
	last_code INTEGER,
	last_reply TEXT,
	last_error TEXT,
	UNIQUE (message_id, rcpt)		-- the trainer's bcc copy shares the Message-ID
);
CREATE INDEX outbox_due ON outbox(next_attempt) WHERE state IN ('queued', 'sending', 'deferred');

-- The bytes of each message, apart: a row with a large BLOB before its other columns makes
-- every scan of the outbox read the BLOB's overflow pages.
CREATE TABLE outbox_data (
	outbox_id INTEGER PRIMARY KEY REFERENCES outbox(id),
	data BLOB NOT NULL
);
CREATE INDEX outbox_booking ON outbox(booking_id);

-- The SEQUENCE of each booking's calendar invitation grows with every update.
ALTER TABLE bookings ADD COLUMN invite_sequence INTEGER NOT NULL DEFAULT 0;
