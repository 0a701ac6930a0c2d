-- Customer standing (SPEC section 3 rule 9). A booking is an incident when it was released
-- for non-payment, cancelled late or marked a no-show (cleared again when the mark is
-- corrected); a customer's standing follows their incidents unless the trainer set it by
-- hand (`noshowctl customer`), which then holds until set again.
ALTER TABLE bookings ADD COLUMN incident INTEGER NOT NULL DEFAULT 0;
ALTER TABLE customers ADD COLUMN standing_set INTEGER NOT NULL DEFAULT 0;
UPDATE bookings SET incident = 1 WHERE state IN ('released', 'no_show');
