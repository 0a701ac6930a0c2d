-- Money and seats (SPEC section 3 rules 3-5 and 11): what the policy must look at next,
-- and every payment, by hand or from a bank statement.

-- When the customer was told the current pay-by (booking, promotion or revival); a
-- reminder is only worth sending when its moment comes after that.
ALTER TABLE bookings ADD COLUMN told_at INTEGER;
-- The payment reminder went out (rule 4: once).
ALTER TABLE bookings ADD COLUMN reminded INTEGER NOT NULL DEFAULT 0;
-- The moment the unpaid balance fell due as a debt (rules 5, 8 and 11); NULL = not yet.
ALTER TABLE bookings ADD COLUMN debt_due INTEGER;
-- The next moment the policy must look at this booking: 0 = now (something changed),
-- NULL = nothing will fall due. The cycle reads only what is due through this index, so a
-- tick costs the same over a thousand bookings as over a million.
ALTER TABLE bookings ADD COLUMN due_at INTEGER;
CREATE INDEX bookings_due ON bookings(due_at) WHERE due_at IS NOT NULL;
UPDATE bookings SET told_at = seen_at;
UPDATE bookings SET due_at = 0 WHERE state IN ('pending', 'confirmed');

-- Every payment. A bank line is identified by `key` (its content and its occurrence in
-- the statement), so the same transaction imported twice counts once. A credit that names
-- no booking stays `unmatched` (or `near-miss`: it holds a reference whose check
-- character is wrong) until the trainer assigns it with `noshowctl pay`.
CREATE TABLE payments (
	id INTEGER PRIMARY KEY,
	booking_id INTEGER REFERENCES bookings(id),	-- NULL while unmatched
	amount INTEGER NOT NULL,		-- cents; negative = money paid back
	paid_at INTEGER NOT NULL,		-- the bank's date, or --at
	recorded INTEGER NOT NULL,		-- when noshowd learnt of it
	origin TEXT NOT NULL,			-- "source NAME", "import FILE", "command pay"
	key TEXT UNIQUE,			-- bank line identity; NULL for payments by hand
	line INTEGER,				-- line in the statement
	description TEXT,
	name TEXT,				-- counterparty
	iban TEXT,
	status TEXT NOT NULL CHECK (status IN ('applied', 'unmatched', 'near-miss',
		'assigned')),
	near_ref TEXT,				-- near-miss: the reference as written
	note TEXT
);
CREATE INDEX payments_booking ON payments(booking_id);
CREATE INDEX payments_open ON payments(status) WHERE status IN ('unmatched', 'near-miss');
