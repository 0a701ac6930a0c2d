#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cancel.h"
#include "compose.h"
#include "money.h"
#include "policy.h"
#include "seats.h"
#include "util.h"

int
cancel_booking(struct store *s, const struct config *c, int64_t id, time_t at, time_t now,
    const char *cause, int *done)
{
	sqlite3_stmt *q = store_q(s, "SELECT b.state, b.booked_at, x.start, x.price, "
	    "coalesce(b.pay_by, 0), b.amount_paid, b.session_id, coalesce(c.company, '') != '' OR "
	    "coalesce(c.vat, '') != '' FROM bookings b JOIN sessions x ON x.id = b.session_id "
	    "JOIN customers c ON c.email = b.email WHERE b.id = ?", "i", id);
	struct policy_cancellation d;
	enum booking_state st;
	int64_t price, paid;
	time_t booked, start, pay_by;
	char *session, fee[32], *detail;
	int v, business, rc;

	*done = 0;
	if (store_step(s, q) <= 0)
		return -1;
	v = policy_state_parse(store_col_text(q, 0));
	st = v < 0 ? BOOKING_CANCELLED : (enum booking_state)v;
	booked = sqlite3_column_int64(q, 1);
	start = sqlite3_column_int64(q, 2);
	price = sqlite3_column_int64(q, 3);
	pay_by = sqlite3_column_int64(q, 4);
	paid = sqlite3_column_int64(q, 5);
	session = store_col_dup(q, 6);
	business = sqlite3_column_int(q, 7);
	sqlite3_reset(q);
	if (!policy_is_active(st)) {
		free(session);
		return 0;
	}
	if (at > now)
		at = now;
	d = policy_cancel(&c->policy, st, business, booked, start, price, at);
	money_format_plain(d.fee, fee);
	detail = d.kind == CANCEL_LATE ? xasprintf("late cancellation: fee %s", fee) :
	    d.kind == CANCEL_WITHDRAWAL ? xstrdup("withdrawal within the statutory period: "
	    "free") : xstrdup(policy_holds_seat(st) ? "in time: free" : "no seat was held: free");
	rc = seats_set_state(s, id, st, BOOKING_CANCELLED, d.fee, pay_by, now, cause, detail);
	free(detail);
	if (rc == 0)
		rc = store_exec(s, "UPDATE bookings SET cancelled_at = ?, cancel_kind = ? "
		    "WHERE id = ?", "iti", (int64_t)at, d.kind == CANCEL_LATE ? "late" :
		    d.kind == CANCEL_WITHDRAWAL ? "withdrawal" : "free", id);
	if (rc == 0 && d.kind == CANCEL_LATE)
		rc = seats_incident(s, c, id, 1, now, cause);
	/* A fee not paid is a debt from the moment it arose (rule 8). */
	if (rc == 0 && d.fee > paid)
		rc = seats_debt_due(s, c, id, d.fee - paid, pay_by > now ? pay_by : now, now,
		    "policy cancellation");
	if (rc == 0)
		rc = compose_booking(s, c, id, d.kind == CANCEL_LATE ? "late-cancellation" :
		    "cancellation", now);
	free(session);
	*done = rc == 0;
	return rc;
}
