-- Cancellations (SPEC section 3 rule 6): when the customer cancelled. For a source that is
-- the last poll at which the booking still stood, the earliest moment it can have happened,
-- so that a poll that comes late never makes a cancellation late.
ALTER TABLE bookings ADD COLUMN cancelled_at INTEGER;
