#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose.h"
#include "money.h"
#include "move.h"
#include "policy.h"
#include "seats.h"
#include "util.h"

/* What the move needs to know of the booking moved. */
struct move_from {
	enum booking_state state;
	int64_t due, paid, price, moved_from;
	time_t booked, start, cancelled_at;
	int business;
	char session[256], email[320], *name, *language;
};

static int
move_load(struct store *s, int64_t id, struct move_from *m)
{
	sqlite3_stmt *q = store_q(s, "SELECT b.state, b.amount_due, b.amount_paid, x.price, "
	    "coalesce(b.moved_from, 0), b.booked_at, x.start, coalesce(b.cancelled_at, 0), "
	    "coalesce(c.company, '') != '' OR coalesce(c.vat, '') != '', b.session_id, b.email, "
	    "b.name, b.language FROM bookings b JOIN sessions x ON x.id = b.session_id JOIN "
	    "customers c ON c.email = b.email WHERE b.id = ?", "i", id);
	int v;

	if (store_step(s, q) <= 0)
		return -1;
	v = policy_state_parse(store_col_text(q, 0));
	m->state = v < 0 ? BOOKING_CANCELLED : (enum booking_state)v;
	m->due = sqlite3_column_int64(q, 1);
	m->paid = sqlite3_column_int64(q, 2);
	m->price = sqlite3_column_int64(q, 3);
	m->moved_from = sqlite3_column_int64(q, 4);
	m->booked = sqlite3_column_int64(q, 5);
	m->start = sqlite3_column_int64(q, 6);
	m->cancelled_at = sqlite3_column_int64(q, 7);
	m->business = sqlite3_column_int(q, 8);
	snprintf(m->session, sizeof(m->session), "%s", store_col_text(q, 9));
	snprintf(m->email, sizeof(m->email), "%s", store_col_text(q, 10));
	m->name = store_col_dup(q, 11);
	m->language = store_col_dup(q, 12);
	sqlite3_reset(q);
	return 0;
}

/* Why this booking cannot be moved free, or NULL. */
static const char *
move_refusal(const struct config *c, const struct move_from *m, const struct seats_session *to,
    time_t now)
{
	int late = m->state == BOOKING_CANCELLED && m->cancelled_at != 0 && m->due > 0;

	if (!c->policy.rebook_once)
		return "the policy grants no free move (rebook_once is false): cancel it under "
		    "the policy and book the later session";
	if (m->moved_from != 0)
		return "it was moved once already: the free move is one per registration";
	if (m->state != BOOKING_PENDING && m->state != BOOKING_CONFIRMED && !late)
		return "only an open booking, or one cancelled late, can be moved";
	if (to->cancelled)
		return "the session it would move to is cancelled";
	if (to->start <= m->start || to->start <= now)
		return "a free move goes to a later session that has not started";
	return NULL;
}

int64_t
move_booking(struct store *s, const struct config *c, int64_t id, const char *to, time_t now,
    char ref[REF_LEN + 1], char err[])
{
	struct move_from m;
	struct seats_session ss;
	struct seats_person p;
	enum booking_state st;
	const char *why;
	char *reason = NULL, fee[32];
	int64_t value, nid = -1;

	err[0] = '\0';
	memset(&m, 0, sizeof(m));
	if (move_load(s, id, &m) < 0)
		return -1;
	if (seats_session_get(s, to, &ss) < 0) {
		errf(err, "no session \"%s\"", to);
		goto out;
	}
	if ((why = move_refusal(c, &m, &ss, now)) != NULL) {
		errf(err, "%s", why);
		goto out;
	}
	if (seats_free(s, to) <= 0) {
		errf(err, "session %s is full: a move would give up the seat for a place on a "
		    "waiting list", to);
		goto out;
	}
	if (store_int(s, 0, "SELECT count(*) FROM bookings WHERE session_id = ? AND email = ?",
	    "tt", to, m.email) > 0) {
		errf(err, "%s already has a booking in %s", m.email, to);
		goto out;
	}
	/* The goodwill: the fee the customer does not pay for leaving the first session. */
	value = m.state == BOOKING_CANCELLED ? m.due : policy_cancel(&c->policy, m.state,
	    m.business, m.booked, m.start, m.price, now).fee;
	memset(&p, 0, sizeof(p));
	p.email = m.email;
	p.name = m.name;
	p.language = m.language;
	nid = seats_book(s, c, &ss, &p, "manual", now, now, "command move", ref, &st);
	if (nid < 0)
		goto out;
	money_format_plain(value, fee);
	reason = xasprintf("moved from %s (%s)", m.session, ref);
	if (policy_is_active(m.state))
		seats_set_state(s, id, m.state, BOOKING_CANCELLED, 0, 0, now, "command move",
		    reason);
	/* Free: no fee, no incident; what was paid goes with the registration. */
	store_exec(s, "UPDATE bookings SET amount_due = 0, amount_paid = 0, cancelled_at = "
	    "coalesce(cancelled_at, ?), debt_due = NULL, due_at = 0 WHERE id = ?", "ii",
	    (int64_t)now, id);
	seats_incident(s, c, id, 0, now, "command move");
	store_exec(s, "UPDATE bookings SET moved_from = ?, amount_paid = ? WHERE id = ?", "iii",
	    id, m.paid, nid);
	store_exec(s, "UPDATE payments SET booking_id = ? WHERE booking_id = ?", "ii", nid, id);
	store_event(s, now, id, NULL, "command move", "moved", m.session, to, ref);
	store_exec(s, "INSERT INTO goodwill (booking_id, at, kind, value, reason) VALUES "
	    "(?, ?, 'move', ?, ?)", "iiit", nid, (int64_t)now, value, reason);
	if (st == BOOKING_PENDING && m.paid >= policy_confirm_amount(&c->policy, ss.price))
		seats_set_state(s, nid, st, BOOKING_CONFIRMED, ss.price, 0, now, "command move",
		    "paid with the moved registration");
	/* The first date's cancellation: its credit note, and out of the calendar. */
	if (compose_booking(s, c, id, "cancellation", now) < 0 ||
	    compose_goodwill(s, c, nid, COURTESY_MOVE, value, NULL, NULL, now) < 0 ||
	    seats_fill(s, c, m.session, now, "policy waitlist") < 0 || s->failed)
		nid = -1;
out:
	free(reason), free(m.name), free(m.language);
	return nid;
}
