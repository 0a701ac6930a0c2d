-- A booking's message says where it was moved to (compose.c looks the booking up by
-- moved_from for every message): without this index every message scanned the bookings,
-- which made a first ingest of 100,000 bookings quadratic (make bench).
CREATE INDEX bookings_moved_from ON bookings(moved_from) WHERE moved_from IS NOT NULL;
