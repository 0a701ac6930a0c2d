#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose.h"
#include "days.h"
#include "log.h"
#include "money.h"
#include "seats.h"
#include "util.h"

int
seats_session_get(struct store *s, const char *id, struct seats_session *out)
{
	sqlite3_stmt *q = store_q(s, "SELECT id, start, end, capacity, price, cancelled "
	    "FROM sessions WHERE id = ?", "t", id);

	if (store_step(s, q) <= 0)
		return -1;
	memset(out, 0, sizeof(*out));
	snprintf(out->id, sizeof(out->id), "%s", store_col_text(q, 0));
	out->start = sqlite3_column_int64(q, 1);
	out->end = sqlite3_column_int64(q, 2);
	out->capacity = sqlite3_column_int(q, 3);
	out->price = sqlite3_column_int64(q, 4);
	out->cancelled = sqlite3_column_int(q, 5);
	sqlite3_reset(q);
	return 0;
}

int
seats_free(struct store *s, const char *session_id)
{
	int64_t cap = store_int(s, 0, "SELECT capacity FROM sessions WHERE id = ?", "t",
	    session_id);
	int64_t taken = store_int(s, 0, "SELECT count(*) FROM bookings WHERE session_id = ? "
	    "AND state IN ('pending', 'confirmed', 'attended', 'no_show')", "t", session_id);

	return (int)(cap - taken);
}

int
seats_customer(struct store *s, const struct seats_person *p, time_t now)
{
	return store_exec(s, "INSERT INTO customers (email, name, company, vat, language, "
	    "created) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (email) DO UPDATE SET "
	    "name = coalesce(?2, name), company = coalesce(?3, company), "
	    "vat = coalesce(?4, vat), language = coalesce(?5, language)", "ttttti",
	    p->email, p->name, p->company, p->vat, p->language, (int64_t)now);
}

/* Kept up to date by seats_incident(), or set by hand. */
static enum standing
seats_standing(struct store *s, const char *email)
{
	char *st = store_text(s, "SELECT standing FROM customers WHERE email = ?", "t", email);
	int v = st ? policy_standing_parse(st) : STANDING_TRUSTED;

	free(st);
	return v < 0 ? STANDING_TRUSTED : (enum standing)v;
}

/* A fresh reference that no booking has; 31^5 values make a clash rare, not impossible. */
static void
seats_new_ref(struct store *s, char ref[REF_LEN + 1])
{
	do
		ref_random(ref);
	while (store_int(s, 0, "SELECT count(*) FROM bookings WHERE ref = ?", "t", ref) > 0 &&
	    !s->failed);
}

int64_t
seats_book(struct store *s, const struct config *c, const struct seats_session *ss,
    const struct seats_person *p, const char *source, time_t booked_at, time_t now,
    const char *cause, char ref[REF_LEN + 1], enum booking_state *state)
{
	struct policy_admission a;
	enum standing standing;
	int64_t id;
	const char *why;

	if (booked_at == 0)
		booked_at = now;
	if (seats_customer(s, p, now) < 0)
		return -1;
	standing = seats_standing(s, p->email);
	a = policy_admit(&c->policy, c->timezone, seats_free(s, ss->id), ss->price, booked_at, now,
	    ss->start,
	    standing);
	seats_new_ref(s, ref);
	*state = a.state;
	if (store_exec(s, "INSERT INTO bookings (ref, session_id, email, name, language, "
	    "source, state, booked_at, seen_at, pay_by, amount_due, told_at, due_at) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)", "tttttttiiiii", ref, ss->id,
	    p->email, p->name, p->language, source, policy_state_name(a.state),
	    (int64_t)booked_at, (int64_t)now, (int64_t)a.pay_by, a.amount_due, (int64_t)now) < 0)
		return -1;
	id = sqlite3_last_insert_rowid(s->db);
	if (a.pay_by == 0)
		store_exec(s, "UPDATE bookings SET pay_by = NULL WHERE id = ?", "i", id);
	why = a.state == BOOKING_REFUSED ? "the customer is blocked" :
	    a.state == BOOKING_WAITLISTED ? "the session is full" :
	    a.state == BOOKING_CONFIRMED ? "free session: seat confirmed" : "seat held until pay-by";
	if (store_event(s, now, id, ss->id, cause, "booked", NULL,
	    policy_state_name(a.state), why) < 0)
		return -1;
	if (compose_booking(s, c, id, a.state == BOOKING_REFUSED ? "refusal" :
	    a.state == BOOKING_WAITLISTED ? "waitlisted" : "confirmation", now) < 0)
		return -1;
	return id;
}

int
seats_set_state(struct store *s, int64_t booking_id, enum booking_state from,
    enum booking_state to, int64_t amount_due, time_t pay_by, time_t now, const char *cause,
    const char *detail)
{
	/* due_at 0: the policy looks at the booking again in this cycle's tick. */
	if (store_exec(s, "UPDATE bookings SET state = ?, amount_due = ?, due_at = 0, "
	    "told_at = CASE WHEN coalesce(pay_by, 0) = ?3 THEN told_at ELSE ?4 END, pay_by = ?3 "
	    "WHERE id = ?5", "tiiii", policy_state_name(to), amount_due, (int64_t)pay_by,
	    (int64_t)now, booking_id) < 0)
		return -1;
	if (pay_by == 0)
		store_exec(s, "UPDATE bookings SET pay_by = NULL WHERE id = ?", "i", booking_id);
	return store_event(s, now, booking_id, NULL, cause, "state", policy_state_name(from),
	    policy_state_name(to), detail);
}

int
seats_fill(struct store *s, const struct config *c, const char *session_id, time_t now,
    const char *cause)
{
	struct seats_session ss;
	int promoted = 0;

	if (seats_session_get(s, session_id, &ss) < 0 || ss.cancelled || ss.start <= now)
		return 0;
	while (seats_free(s, session_id) > 0) {
		int64_t id = store_int(s, 0, "SELECT id FROM bookings WHERE session_id = ? AND "
		    "state = 'waitlisted' ORDER BY seen_at, id LIMIT 1", "t", session_id);
		struct policy_admission a;

		if (id <= 0)
			break;
		a = policy_promote(&c->policy, ss.price, ss.start, now);
		/* Money paid while waiting counts: it may confirm the seat at once. */
		if (a.state == BOOKING_PENDING && store_int(s, 0, "SELECT amount_paid FROM "
		    "bookings WHERE id = ?", "i", id) >= policy_confirm_amount(&c->policy,
		    a.amount_due))
			a.state = BOOKING_CONFIRMED;
		if (seats_set_state(s, id, BOOKING_WAITLISTED, a.state, a.amount_due, a.pay_by,
		    now, cause, "a seat became free") < 0 ||
		    compose_booking(s, c, id, "seat-available", now) < 0)
			return -1;
		promoted++;
	}
	return s->failed ? -1 : promoted;
}

int
seats_incident(struct store *s, const struct config *c, int64_t id, int incident,
    time_t now, const char *cause)
{
	char *email = store_text(s, "SELECT email FROM bookings WHERE id = ?", "i", id);
	char *before = NULL, *detail;
	int64_t n;
	const char *after;
	int rc = -1;

	if (email == NULL)
		return -1;
	store_exec(s, "UPDATE bookings SET incident = ? WHERE id = ?", "di", incident, id);
	n = store_int(s, 0, "SELECT count(*) FROM bookings WHERE email = ? AND incident = 1", "t",
	    email);
	before = store_text(s, "SELECT standing FROM customers WHERE email = ? AND "
	    "standing_set = 0", "t", email);
	after = policy_standing_name(policy_standing(&c->policy, (int)n));
	if (before != NULL && strcmp(before, after) != 0) {
		detail = xasprintf("%lld incident%s", (long long)n, n == 1 ? "" : "s");
		store_exec(s, "UPDATE customers SET standing = ? WHERE email = ?", "tt", after,
		    email);
		store_event(s, now, id, NULL, cause, "standing", before, after, detail);
		free(detail);
	}
	if (!s->failed)
		rc = 0;
	free(before);
	free(email);
	return rc;
}

int
seats_debt_due(struct store *s, const struct config *c, int64_t id, int64_t balance,
    time_t due, time_t now, const char *cause)
{
	char amount[32], when[32], *detail;
	int rc;

	money_format_plain(balance, amount);
	days_format_iso(due, c->timezone, when);
	detail = xasprintf("balance %s due since %s", amount, when);
	rc = store_exec(s, "UPDATE bookings SET debt_due = ? WHERE id = ?", "ii", (int64_t)due,
	    id);
	if (rc == 0)
		rc = store_event(s, now, id, NULL, cause, "debt-due", NULL, NULL, detail);
	free(detail);
	return rc;
}
