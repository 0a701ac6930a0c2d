/*
 * Payments into the store: one by hand (`noshowctl pay`), or every credit of a bank
 * statement (`noshowctl import payments`, a payments-csv source). A payment is a row of its
 * own and adds to its booking's amount_paid; policy_pay() says what that does to the seat
 * (rule 5: confirm, revive a released seat, or leave money due back; rule 11: a deposit
 * confirms). A bank credit names its booking by the reference in its description; one
 * that names none stays unmatched, and one whose reference has a wrong check character is
 * a near miss, never matched to another booking. Everything runs in the caller's
 * transaction.
 */
#ifndef NOSHOWD_PAYMENTS_H
#define NOSHOWD_PAYMENTS_H

#include <stdint.h>
#include <time.h>

#include "bank.h"
#include "config.h"
#include "store.h"

/*
 * Record `amount` cents paid for booking `booking_id` at `at` (negative: money paid back
 * to the customer). With credit_id > 0 an unmatched bank credit of that id is assigned to
 * the booking instead of recording a new payment (its amount must equal `amount`). Sends a
 * payment-received message for money received. 0, or -1 with err (or a store failure).
 */
int payments_pay(struct store *s, const struct config *c, int64_t booking_id,
    int64_t amount, time_t at, time_t now, const char *origin, const char *note,
    int64_t credit_id, char err[]);

struct payments_counts {
	int applied;		/* credits applied to a booking */
	int duplicate;		/* credits seen before (the same bank line) */
	int unmatched;		/* credits naming no booking */
	int near_miss;		/* credits with a reference whose check character is wrong */
	int debits;		/* debit lines, ignored */
};

/* Record every credit of a statement once. origin: "source NAME" or "import FILE". */
int payments_import(struct store *s, const struct config *c, const struct bank_statement *st,
    const char *origin, time_t now, struct payments_counts *n);

/* "3 applied, 1 unmatched, ..." for logs and command output. */
void payments_summary(const struct payments_counts *n, char *out, size_t size);

#endif
