-- The free move (SPEC section 3 rule 6): a booking made by moving another one. The credit
-- is one move per registration, so a moved booking cannot be moved free again.
ALTER TABLE bookings ADD COLUMN moved_from INTEGER REFERENCES bookings(id);
