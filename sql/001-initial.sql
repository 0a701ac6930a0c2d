-- noshowd schema, version 1. Times are UTC seconds since the epoch, money integer cents.
-- Migrations are applied in order at start, each in its own transaction, and recorded in
-- PRAGMA user_version; a database newer than the program is refused.

-- One row per configured source: the validators of the last good poll, its result, and a
-- poll held back because it would drop too many bookings (max_drop).
CREATE TABLE sources (
	name TEXT PRIMARY KEY,
	etag TEXT,
	last_modified TEXT,
	body_hash TEXT,
	last_poll INTEGER,
	last_ok INTEGER,
	result TEXT NOT NULL DEFAULT 'never',	-- never | changed | unchanged | failed | quarantined
	error TEXT,
	warnings TEXT,				-- the last parse's warnings, one per line
	quarantine_body BLOB,
	quarantine_hash TEXT,
	quarantine_etag TEXT,
	quarantine_last_modified TEXT
);

CREATE TABLE sessions (
	id TEXT PRIMARY KEY,
	source TEXT NOT NULL,			-- source name, 'config' or 'manual'
	title TEXT,
	location TEXT,
	url TEXT,
	description TEXT,
	tzid TEXT,
	start INTEGER NOT NULL,
	end INTEGER NOT NULL,
	recurrence TEXT,
	meetings INTEGER NOT NULL DEFAULT 1,
	capacity INTEGER NOT NULL,
	price INTEGER NOT NULL,
	cancelled INTEGER NOT NULL DEFAULT 0,
	missing INTEGER NOT NULL DEFAULT 0,
	first_seen INTEGER NOT NULL
);
CREATE INDEX sessions_start ON sessions(start);

CREATE TABLE customers (
	email TEXT PRIMARY KEY,			-- lower case
	name TEXT,
	company TEXT,
	vat TEXT,
	standing TEXT NOT NULL DEFAULT 'trusted'
		CHECK (standing IN ('trusted', 'prepay', 'blocked')),
	language TEXT,
	created INTEGER NOT NULL
);

CREATE TABLE bookings (
	id INTEGER PRIMARY KEY,
	ref TEXT NOT NULL UNIQUE,
	session_id TEXT NOT NULL REFERENCES sessions(id),
	email TEXT NOT NULL REFERENCES customers(email),
	name TEXT,
	language TEXT,
	source TEXT NOT NULL,			-- source name or 'manual'
	state TEXT NOT NULL CHECK (state IN ('waitlisted', 'pending', 'confirmed', 'released',
		'cancelled', 'attended', 'no_show', 'refused')),
	booked_at INTEGER NOT NULL,		-- the source's booking moment, else first seen
	seen_at INTEGER NOT NULL,		-- first seen by noshowd
	pay_by INTEGER,
	amount_due INTEGER NOT NULL DEFAULT 0,
	amount_paid INTEGER NOT NULL DEFAULT 0,
	stage INTEGER NOT NULL DEFAULT 0,
	missing INTEGER NOT NULL DEFAULT 0,
	UNIQUE (session_id, email)
);
CREATE INDEX bookings_state ON bookings(state, session_id);
CREATE INDEX bookings_pay_by ON bookings(pay_by) WHERE state = 'pending';
CREATE INDEX bookings_source ON bookings(source);

-- Every change, with its moment and cause; kept forever.
CREATE TABLE events (
	id INTEGER PRIMARY KEY,
	at INTEGER NOT NULL,
	booking_id INTEGER REFERENCES bookings(id),
	session_id TEXT,
	cause TEXT NOT NULL,			-- "source NAME", "policy RULE", "command NAME"
	what TEXT NOT NULL,			-- booked, state, missing, returned, session-added, ...
	before TEXT,
	after TEXT,
	detail TEXT
);
CREATE INDEX events_booking ON events(booking_id);
CREATE TRIGGER events_are_kept_update BEFORE UPDATE ON events
BEGIN
	SELECT RAISE(ABORT, 'events are kept forever');
END;
CREATE TRIGGER events_are_kept_delete BEFORE DELETE ON events
BEGIN
	SELECT RAISE(ABORT, 'events are kept forever');
END;

-- The moment of the last cycle, so that a clock set back can be noticed.
CREATE TABLE meta (
	key TEXT PRIMARY KEY,
	value TEXT
);
