-- A booking's message says where it was moved to (compose.c looks the booking up by
-- moved_from for every message): without this index every message scanned the bookings,
-- which made a first ingest of 100,000 bookings quadratic (make bench).
CREATE INDEX bookings_moved_from ON bookings(moved_from) WHERE moved_from IS NOT NULL;
-- A release counts the customer's incidents (seats.c) for every booking it releases: without
-- this index each count scanned the bookings, so a policy tick over 1,000,000 bookings took
-- 300 times the tick over 1,000 (make bench).
CREATE INDEX bookings_incidents ON bookings(email) WHERE incident = 1;
