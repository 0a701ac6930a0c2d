-- The dunning ladder (SPEC section 3 rule 8): the outbox message of the last step sent, so
-- that the next step counts from when it went out (and waits while it has not).
ALTER TABLE bookings ADD COLUMN dunning_outbox INTEGER REFERENCES outbox(id);
