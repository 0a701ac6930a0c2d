-- Goodwill (SPEC section 3 rule 10): every waiver, free move, discount or free extra, with
-- its value and the trainer's reason, so that report can set it against goodwill_budget.
CREATE TABLE goodwill (
	id INTEGER PRIMARY KEY,
	booking_id INTEGER NOT NULL REFERENCES bookings(id),
	at INTEGER NOT NULL,
	kind TEXT NOT NULL CHECK (kind IN ('waiver', 'move', 'discount', 'extra')),
	value INTEGER NOT NULL,			-- cents
	reason TEXT NOT NULL
);
CREATE INDEX goodwill_at ON goodwill(at);
