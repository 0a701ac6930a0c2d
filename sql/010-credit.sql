-- Credit notes, customer addresses and the kind of a cancellation.
--
-- A credit note is a row of invoices with a negative amount that names the invoice it
-- corrects: when less becomes due than was invoiced (a cancellation fee below the price, a
-- waiver, a release, a free move), the difference is credited in the same gapless series,
-- so that what the books say is owed is what noshowd claims.
ALTER TABLE invoices ADD COLUMN corrects TEXT;

-- The customer's postal address, when the trainer knows it (`noshowctl customer --address`):
-- an invoice to a business needs it, and so does a collection agency.
ALTER TABLE customers ADD COLUMN address TEXT;

-- How a cancellation counted under the policy: 'withdrawal', 'free' or 'late'.
ALTER TABLE bookings ADD COLUMN cancel_kind TEXT;
UPDATE bookings SET cancel_kind = 'late' WHERE id IN (SELECT booking_id FROM events
    WHERE what = 'state' AND after = 'cancelled' AND detail LIKE 'late cancellation%');
