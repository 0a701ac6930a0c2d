#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attendance.h"
#include "compose.h"
#include "money.h"
#include "policy.h"
#include "seats.h"
#include "util.h"

int
attendance_mark(struct store *s, const struct config *c, int64_t id, int present,
    time_t now, const char *cause, char err[])
{
	sqlite3_stmt *q = store_q(s, "SELECT b.state, x.price, coalesce(b.pay_by, 0), "
	    "b.amount_paid, b.session_id, b.ref FROM bookings b JOIN sessions x ON "
	    "x.id = b.session_id WHERE b.id = ?", "i", id);
	enum booking_state st, to = present ? BOOKING_ATTENDED : BOOKING_NO_SHOW;
	int64_t price, paid, due;
	time_t pay_by;
	char *session, ref[32], text[32], *detail;
	int v, rc;

	err[0] = '\0';
	if (store_step(s, q) <= 0)
		return -1;
	v = policy_state_parse(store_col_text(q, 0));
	st = v < 0 ? BOOKING_CANCELLED : (enum booking_state)v;
	price = sqlite3_column_int64(q, 1);
	pay_by = sqlite3_column_int64(q, 2);
	paid = sqlite3_column_int64(q, 3);
	session = store_col_dup(q, 4);
	snprintf(ref, sizeof(ref), "%s", store_col_text(q, 5));
	sqlite3_reset(q);
	if (!policy_holds_seat(st)) {
		free(session);
		return errf(err, "%s is %s: only a booking that holds a seat can be marked", ref,
		    policy_state_name(st));
	}
	if (st == to) {
		free(session);
		return 0;
	}
	due = present ? price : policy_no_show_fee(&c->policy, price);
	money_format_plain(due, text);
	detail = present ? xstrdup("present") : xasprintf("absent: no-show fee %s", text);
	rc = seats_set_state(s, id, st, to, due, pay_by, now, cause, detail);
	free(detail);
	if (rc == 0)
		rc = seats_incident(s, c, id, !present, now, cause);
	/*
	 * Someone marked present: the session has attendance data, so its unmarked bookings
	 * are looked at again. Marking one person absent says nothing about the others.
	 */
	if (rc == 0 && present)
		rc = store_exec(s, "UPDATE sessions SET attendance = 1 WHERE id = ?", "t", session);
	if (rc == 0 && present)
		rc = store_exec(s, "UPDATE bookings SET due_at = 0 WHERE session_id = ? AND state "
		    "IN ('pending', 'confirmed')", "t", session);
	/* An unpaid no-show fee is a debt from the moment it arose (rule 8). */
	if (rc == 0 && !present && due > paid) {
		money_format_plain(due - paid, text);
		detail = xasprintf("balance %s due", text);
		rc = store_exec(s, "UPDATE bookings SET debt_due = ? WHERE id = ?", "ii",
		    (int64_t)(pay_by > now ? pay_by : now), id);
		if (rc == 0)
			rc = store_event(s, now, id, NULL, cause, "debt-due", NULL, NULL, detail);
		free(detail);
	}
	if (rc == 0 && !present)
		rc = compose_booking(s, c, id, "no-show", now);
	free(session);
	return rc;
}
