#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose.h"
#include "days.h"
#include "money.h"
#include "payments.h"
#include "policy.h"
#include "ref.h"
#include "seats.h"
#include "util.h"

/* What a payment changes: amount_paid, and the seat as policy_pay() decides. */
static int
payments_apply(struct store *s, const struct config *c, int64_t id, int64_t amount,
    time_t at, time_t now, const char *origin)
{
	sqlite3_stmt *q = store_q(s, "SELECT b.state, b.amount_due, b.amount_paid, "
	    "coalesce(b.pay_by, 0), x.price, x.start, b.session_id FROM bookings b JOIN "
	    "sessions x ON x.id = b.session_id WHERE b.id = ?", "i", id);
	struct policy_payment r;
	struct compose_payment cp;
	enum booking_state st;
	int64_t due, paid, price, refund;
	time_t pay_by, start;
	char *session, text[32], *detail;
	int v;

	if (store_step(s, q) <= 0)
		return -1;
	v = policy_state_parse(store_col_text(q, 0));
	st = v < 0 ? BOOKING_CANCELLED : (enum booking_state)v;
	due = sqlite3_column_int64(q, 1);
	paid = sqlite3_column_int64(q, 2) + amount;
	pay_by = sqlite3_column_int64(q, 3);
	price = sqlite3_column_int64(q, 4);
	start = sqlite3_column_int64(q, 5);
	session = store_col_dup(q, 6);
	sqlite3_reset(q);

	money_format_plain(amount, text);
	detail = xasprintf("%s%s (%s)", amount > 0 ? "+" : "", text, origin);
	store_exec(s, "UPDATE bookings SET amount_paid = ?, due_at = 0 WHERE id = ?", "ii", paid,
	    id);
	store_event(s, now, id, NULL, origin, "payment", NULL, NULL, detail);
	free(detail);

	r = policy_pay(&c->policy, st, due, price, paid, seats_free(s, session), start, now);
	if (r.revived) {
		struct policy_admission a = policy_promote(&c->policy, price, start, now);

		pay_by = r.state == BOOKING_PENDING ? a.pay_by : pay_by;
		seats_set_state(s, id, st, r.state, r.amount_due, pay_by, now, "policy accept_late",
		    "paid after release while a seat was free");
	} else if (r.state != st) {
		seats_set_state(s, id, st, r.state, r.amount_due, pay_by, now, "policy payment",
		    r.state == BOOKING_CONFIRMED && paid < r.amount_due ? "deposit paid" :
		    "paid");
	}
	refund = policy_refund_due(r.state, r.amount_due, paid);
	if (refund > 0 && amount > 0) {
		money_format_plain(refund, text);
		detail = xasprintf("%s to pay back", text);
		store_event(s, now, id, NULL, "policy payment", "refund-due", NULL, NULL, detail);
		free(detail);
	}
	free(session);
	if (amount <= 0)
		return s->failed ? -1 : 0;
	cp.amount = amount;
	cp.at = at;
	cp.revived = r.revived;
	return compose_payment(s, c, id, &cp, now);
}

int
payments_pay(struct store *s, const struct config *c, int64_t booking_id, int64_t amount,
    time_t at, time_t now, const char *origin, const char *note, int64_t credit_id,
    char err[])
{
	if (credit_id > 0) {
		sqlite3_stmt *q = store_q(s, "SELECT amount, status FROM payments WHERE id = ?",
		    "i", credit_id);
		int64_t have;
		char text[32], want[32];

		if (store_step(s, q) <= 0)
			return errf(err, "there is no payment #%lld", (long long)credit_id);
		have = sqlite3_column_int64(q, 0);
		if (strcmp(store_col_text(q, 1), "unmatched") != 0 &&
		    strcmp(store_col_text(q, 1), "near-miss") != 0) {
			sqlite3_reset(q);
			return errf(err, "payment #%lld is already assigned to a booking",
			    (long long)credit_id);
		}
		sqlite3_reset(q);
		if (have != amount) {
			money_format_plain(have, text);
			money_format_plain(amount, want);
			return errf(err, "payment #%lld is %s, not %s", (long long)credit_id, text,
			    want);
		}
		at = (time_t)store_int(s, at, "SELECT paid_at FROM payments WHERE id = ?", "i",
		    credit_id);
		store_exec(s, "UPDATE payments SET booking_id = ?, status = 'assigned', "
		    "note = ? WHERE id = ?", "iti", booking_id, note, credit_id);
	} else {
		store_exec(s, "INSERT INTO payments (booking_id, amount, paid_at, recorded, origin, "
		    "status, note) VALUES (?, ?, ?, ?, ?, 'applied', ?)", "iiiitt", booking_id,
		    amount, (int64_t)at, (int64_t)now, origin, note);
	}
	if (payments_apply(s, c, booking_id, amount, at, now, origin) < 0 || s->failed)
		return errf(err, "%s", s->error);
	return 0;
}

/* Match a credit to a booking by the reference in its description. */
static int64_t
payments_match(struct store *s, const struct bank_credit *cr, const char **status,
    char near[REF_LEN + 1])
{
	char ref[REF_LEN + 1];
	int64_t id = 0;

	near[0] = '\0';
	*status = "unmatched";
	switch (ref_find(cr->description ? cr->description : "", ref)) {
	case REF_OK:
		id = store_int(s, 0, "SELECT id FROM bookings WHERE ref = ?", "t", ref);
		if (id > 0)
			*status = "applied";
		else
			memcpy(near, ref, sizeof(ref));	/* well-formed, but no such booking */
		break;
	case REF_BADCHECK:
		*status = "near-miss";
		memcpy(near, ref, sizeof(ref));
		break;
	case REF_INVALID:
		break;
	}
	return id;
}

int
payments_import(struct store *s, const struct config *c, const struct bank_statement *st,
    const char *origin, time_t now, struct payments_counts *n)
{
	memset(n, 0, sizeof(*n));
	n->debits = st->debits;
	for (size_t i = 0; i < st->ncredits && !s->failed; i++) {
		const struct bank_credit *cr = &st->credits[i];
		const char *status;
		char near[REF_LEN + 1];
		int64_t id;

		if (store_int(s, 0, "SELECT count(*) FROM payments WHERE key = ?", "t",
		    cr->key) > 0) {
			n->duplicate++;
			continue;
		}
		id = payments_match(s, cr, &status, near);
		store_exec(s, "INSERT INTO payments (booking_id, amount, paid_at, recorded, origin, "
		    "key, line, description, name, iban, status, near_ref) VALUES (nullif(?, 0), ?, ?, "
		    "?, ?, ?, ?, ?, ?, ?, ?, ?)", "iiiittdttttt", id, cr->amount, (int64_t)cr->at,
		    (int64_t)now, origin, cr->key, cr->line, cr->description, cr->name, cr->iban,
		    status, near[0] ? near : NULL);
		if (id == 0) {
			if (strcmp(status, "near-miss") == 0)
				n->near_miss++;
			else
				n->unmatched++;
			continue;
		}
		if (payments_apply(s, c, id, cr->amount, cr->at, now, origin) < 0)
			return -1;
		n->applied++;
	}
	return s->failed ? -1 : 0;
}

void
payments_summary(const struct payments_counts *n, char *out, size_t size)
{
	snprintf(out, size, "%d applied, %d unmatched, %d near misses, %d seen before, "
	    "%d debits ignored", n->applied, n->unmatched, n->near_miss, n->duplicate, n->debits);
}
