#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attendance.h"
#include "compose.h"
#include "days.h"
#include "duties.h"
#include "money.h"
#include "policy.h"
#include "seats.h"
#include "util.h"

/*
 * Load what policy_due() needs; the session's id goes to session (caller frees). A dunning
 * step counts from its delivery where a report says when (bounces.c), else from the relay's
 * acceptance, never from before that acceptance (a report's clock may be wrong, or the
 * report forged); a step refused by the relay or reported undelivered has not gone out.
 */
static int
duties_load(struct store *s, int64_t id, struct policy_booking *b, char **session)
{
	sqlite3_stmt *q = store_q(s, "SELECT b.state, coalesce(b.told_at, b.seen_at), "
	    "coalesce(b.pay_by, 0), x.start, x.end, b.amount_due, b.amount_paid, b.reminded, "
	    "coalesce(b.debt_due, 0), b.session_id, x.attendance, b.stage, "
	    "coalesce(CASE WHEN o.delivery = 'delivered' THEN max(o.delivery_at, "
	    "coalesce(o.sent_at, 0)) END, o.sent_at, 0), "
	    "coalesce(o.state = 'failed' OR o.delivery = 'failed', 0) FROM bookings b "
	    "JOIN sessions x ON x.id = b.session_id LEFT JOIN outbox o ON o.id = b.dunning_outbox "
	    "WHERE b.id = ?", "i", id);
	int st;

	if (store_step(s, q) <= 0)
		return -1;
	memset(b, 0, sizeof(*b));
	st = policy_state_parse(store_col_text(q, 0));
	b->state = st < 0 ? BOOKING_CANCELLED : (enum booking_state)st;
	b->told = sqlite3_column_int64(q, 1);
	b->pay_by = sqlite3_column_int64(q, 2);
	b->start = sqlite3_column_int64(q, 3);
	b->end = sqlite3_column_int64(q, 4);
	b->amount_due = sqlite3_column_int64(q, 5);
	b->amount_paid = sqlite3_column_int64(q, 6);
	b->reminded = sqlite3_column_int(q, 7);
	b->debt_due = sqlite3_column_int64(q, 8);
	*session = store_col_dup(q, 9);
	b->attendance = sqlite3_column_int(q, 10);
	b->stage = sqlite3_column_int(q, 11);
	b->step_sent = sqlite3_column_int64(q, 12);
	b->step_failed = sqlite3_column_int(q, 13);
	sqlite3_reset(q);
	return 0;
}

int
duties_release(struct store *s, const struct config *c, int64_t id, time_t now,
    const char *cause, const char *why)
{
	sqlite3_stmt *q = store_q(s, "SELECT b.session_id, b.state, coalesce(b.pay_by, 0), "
	    "x.start FROM bookings b JOIN sessions x ON x.id = b.session_id WHERE b.id = ?", "i",
	    id);
	char *session;
	int64_t pay_by, start;
	int from, rc = -1;

	if (store_step(s, q) <= 0)
		return -1;
	session = store_col_dup(q, 0);
	from = policy_state_parse(store_col_text(q, 1));
	pay_by = sqlite3_column_int64(q, 2);
	start = sqlite3_column_int64(q, 3);
	sqlite3_reset(q);
	if (from < 0) {
		free(session);
		return -1;
	}
	/*
	 * A released booking owes nothing; what was paid is due back. pay_by stays on record.
	 * Released only after its session started (after downtime, say), it gets no notice: it
	 * would tell of a seat, and offer it back, in a session that is over.
	 */
	if (seats_set_state(s, id, (enum booking_state)from, BOOKING_RELEASED, 0,
	    (time_t)pay_by, now, cause, why) == 0 &&
	    (now >= (time_t)start || compose_booking(s, c, id, "release", now) == 0) &&
	    seats_fill(s, c, session, now, "policy waitlist") >= 0)
		rc = 0;
	free(session);
	return rc;
}

/* Apply one decision of policy_due(). */
static int
duties_apply(struct store *s, const struct config *c, int64_t id,
    const struct policy_booking *b, const struct policy_duty *d, time_t now)
{
	char when[32], amount[32], *detail;
	int rc;

	days_format_iso(d->at, c->timezone, when);
	switch (d->action) {
	case POLICY_REMIND:
		days_format_iso(b->pay_by, c->timezone, amount);
		detail = xasprintf("payment reminder: pay-by %s", amount);
		rc = store_exec(s, "UPDATE bookings SET reminded = 1 WHERE id = ?", "i", id);
		if (rc == 0)
			rc = store_event(s, now, id, NULL, "policy payment-reminder", "reminded",
			    NULL, NULL, detail);
		if (rc == 0)
			rc = compose_booking(s, c, id, "payment-reminder", now);
		break;
	case POLICY_RELEASE:
		detail = xasprintf("unpaid at its release moment %s", when);
		rc = duties_release(s, c, id, now, "policy release", detail);
		if (rc == 0)	/* released for non-payment: an incident (rule 9) */
			rc = seats_incident(s, c, id, 1, now, "policy release");
		break;
	case POLICY_DEBT_DUE:
		return seats_debt_due(s, c, id, b->amount_due - b->amount_paid, d->at, now,
		    "policy debt");
	case POLICY_DUN: {
		int64_t msg = compose_dunning(s, c, id, d->step, now);

		detail = xasprintf("step %d of %zu (%s), due since %s", d->step,
		    c->policy.ndunning, c->policy.dunning[d->step - 1].template, when);
		rc = msg < 0 ? -1 : store_exec(s, "UPDATE bookings SET stage = ?, "
		    "dunning_outbox = ? WHERE id = ?", "dii", d->step, msg, id);
		if (rc == 0)
			rc = store_event(s, now, id, NULL, "policy dunning", "dunning", NULL, NULL,
			    detail);
		break;
	}
	case POLICY_COLLECTION:
		money_format_plain(b->amount_due - b->amount_paid, amount);
		detail = xasprintf("balance %s: the ladder ended %s", amount, when);
		rc = store_exec(s, "UPDATE bookings SET stage = ? WHERE id = ?", "di",
		    (int)c->policy.ndunning + 1, id);
		if (rc == 0)
			rc = store_event(s, now, id, NULL, "policy dunning", "collection", NULL, NULL,
			    detail);
		break;
	case POLICY_NO_SHOW: {
		char err[ERR_MAX];

		return attendance_mark(s, c, id, 0, now, "policy no-show", err);
	}
	default:
		return 0;
	}
	free(detail);
	return rc;
}

/* Decide and apply until nothing more is due, then store the next moment. */
static int
duties_booking(struct store *s, const struct config *c, int64_t id, time_t now)
{
	struct policy_booking b;
	struct policy_duty d;
	char *session = NULL;
	int acted = 0;

	for (;;) {
		free(session);
		session = NULL;
		if (duties_load(s, id, &b, &session) < 0)
			return -1;
		d = policy_due(&c->policy, c->timezone, &b, now);
		if (d.action == POLICY_NOTHING)
			break;
		if (acted == 4) {	/* cannot happen (three actions at most); never spin */
			d.next = now + 60;
			break;
		}
		if (duties_apply(s, c, id, &b, &d, now) < 0) {
			free(session);
			return -1;
		}
		acted++;
	}
	free(session);
	if (d.next == 0)
		store_exec(s, "UPDATE bookings SET due_at = NULL WHERE id = ?", "i", id);
	else
		store_exec(s, "UPDATE bookings SET due_at = ? WHERE id = ?", "ii",
		    (int64_t)d.next, id);
	return s->failed ? -1 : acted;
}

int
duties_run(struct store *s, const struct config *c, time_t now, int64_t only)
{
	int total = 0;

	if (only != 0)
		return duties_booking(s, c, only, now);
	/*
	 * One at a time, oldest moment first: a release promotes a waitlisted booking, which
	 * then is due itself (due_at 0) and is taken in this same tick.
	 */
	for (;;) {
		int64_t id = store_int(s, 0, "SELECT id FROM bookings WHERE due_at <= ? "
		    "ORDER BY due_at, id LIMIT 1", "i", (int64_t)now);
		int n;

		if (id <= 0 || s->failed)
			break;
		if ((n = duties_booking(s, c, id, now)) < 0)
			return -1;
		total += n;
	}
	return s->failed ? -1 : total;
}

time_t
duties_next(struct store *s)
{
	return (time_t)store_int(s, -1, "SELECT min(due_at) FROM bookings WHERE due_at IS NOT "
	    "NULL", "");
}

/* The word for an action in the service's STATUS line. */
static const char *
duties_action_name(enum policy_action a)
{
	switch (a) {
	case POLICY_REMIND: return "payment reminder";
	case POLICY_RELEASE: return "release";
	case POLICY_DEBT_DUE: return "debt due";
	case POLICY_NO_SHOW: return "no-show";
	case POLICY_DUN: return "dunning step";
	case POLICY_COLLECTION: return "collection";
	default: return "review";	/* a moment to look again, nothing to do then yet */
	}
}

time_t
duties_next_named(struct store *s, const struct config *c, time_t now, char *what,
    size_t size)
{
	sqlite3_stmt *q = store_q(s, "SELECT id, ref, due_at FROM bookings WHERE due_at IS NOT "
	    "NULL ORDER BY due_at, id LIMIT 1", "");
	struct policy_booking b;
	struct policy_duty d;
	char *ref, *session = NULL;
	int64_t id;
	time_t at;

	if (store_step(s, q) <= 0)
		return -1;
	id = sqlite3_column_int64(q, 0);
	ref = store_col_dup(q, 1);
	at = (time_t)sqlite3_column_int64(q, 2);
	sqlite3_reset(q);
	if (at < now)
		at = now;
	if (duties_load(s, id, &b, &session) < 0) {
		free(ref);
		return -1;
	}
	/* Asked at its own moment, the policy says what that moment is for. */
	d = policy_due(&c->policy, c->timezone, &b, at);
	if (d.action == POLICY_DUN)
		snprintf(what, size, "dunning step %d %s", d.step, ref);
	else
		snprintf(what, size, "%s %s", duties_action_name(d.action), ref);
	free(ref);
	free(session);
	return at;
}
