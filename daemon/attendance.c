#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attendance.h"
#include "compose.h"
#include "money.h"
#include "policy.h"
#include "seats.h"
#include "util.h"
#include "zoom.h"

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
	if (rc == 0 && !present && due > paid)
		rc = seats_debt_due(s, c, id, due - paid, pay_by > now ? pay_by : now, now, cause);
	if (rc == 0 && !present)
		rc = compose_booking(s, c, id, "no-show", now);
	free(session);
	return rc;
}

/* The session the meeting overlaps most; err when none does or two do equally. */
static int
attendance_session(struct store *s, const struct zoom_report *r, char out[256], char err[])
{
	time_t from = r->meeting_start, to = r->meeting_end;
	sqlite3_stmt *q;
	int64_t best = 0, second = 0;

	if (from == 0 || to <= from) {
		from = r->people[0].join;
		to = r->people[0].leave;
		for (size_t i = 1; i < r->npeople; i++) {
			from = r->people[i].join < from ? r->people[i].join : from;
			to = r->people[i].leave > to ? r->people[i].leave : to;
		}
	}
	q = store_q(s, "SELECT id, min(end, ?2) - max(start, ?1) AS overlap FROM sessions "
	    "WHERE start < ?2 AND end > ?1 AND cancelled = 0 ORDER BY overlap DESC LIMIT 2",
	    "ii", (int64_t)from, (int64_t)to);
	out[0] = '\0';
	while (store_step(s, q) > 0) {
		if (out[0] == '\0') {
			snprintf(out, 256, "%s", store_col_text(q, 0));
			best = sqlite3_column_int64(q, 1);
		} else {
			second = sqlite3_column_int64(q, 1);
		}
	}
	if (out[0] == '\0')
		return errf(err, "no session overlaps the meeting's time; name it with --session "
		    "(or the source's session)");
	if (second == best)
		return errf(err, "two sessions overlap the meeting equally; name one with "
		    "--session (or the source's session)");
	return 0;
}

int
attendance_import(struct store *s, const struct config *c, const struct zoom_report *r,
    const char *session, time_t now, const char *cause, struct attendance_counts *n,
    char err[])
{
	int64_t start, end, need;

	memset(n, 0, sizeof(*n));
	err[0] = '\0';
	if (session != NULL)
		snprintf(n->session, sizeof(n->session), "%s", session);
	else if (attendance_session(s, r, n->session, err) < 0)
		return -1;
	start = store_int(s, -1, "SELECT start FROM sessions WHERE id = ?", "t", n->session);
	end = store_int(s, -1, "SELECT end FROM sessions WHERE id = ?", "t", n->session);
	if (start < 0)
		return errf(err, "no session \"%s\"", n->session);
	need = (end - start) * c->policy.attend_min / 10000;
	for (size_t i = 0; i < r->npeople; i++) {
		const struct zoom_attendee *a = &r->people[i];
		int64_t id = a->email == NULL ? 0 : store_int(s, 0, "SELECT id FROM bookings WHERE "
		    "session_id = ? AND email = ? AND state IN ('pending', 'confirmed', "
		    "'attended', 'no_show')", "tt", n->session, a->email);

		if (id <= 0)
			n->not_booked++;
		else if (a->seconds < need)
			n->too_short++;
		else if (attendance_mark(s, c, id, 1, now, cause, err) < 0)
			return -1;
		else
			n->present++;
	}
	/*
	 * A report in which no participant has a booking is more likely the wrong session's
	 * than one nobody came to: taking it as attendance data would make everyone a no-show.
	 */
	if (n->present + n->too_short == 0)
		return errf(err, "none of the report's %zu participants has a booking in session "
		    "%s; nothing recorded (is it the right session?)", r->npeople, n->session);
	store_exec(s, "UPDATE sessions SET attendance = 1 WHERE id = ?", "t", n->session);
	store_exec(s, "UPDATE bookings SET due_at = 0 WHERE session_id = ? AND state IN "
	    "('pending', 'confirmed')", "t", n->session);
	return s->failed ? -1 : 0;
}
