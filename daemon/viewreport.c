/*
 * noshowctl report: what a period brought, from the events and payments (which are kept
 * forever) and, for balances, from the bookings as they stand now. Read-only.
 */
#include <stdio.h>
#include <string.h>

#include "days.h"
#include "json.h"
#include "money.h"
#include "view.h"

struct report {
	time_t from, to;
	int64_t sessions, bookings, attended, no_shows, released, refilled, late_cancels;
	int64_t received, paid_back, open_balance, refunds_due, unmatched, unmatched_amount;
	int64_t goodwill, goodwill_budget;
};

/* goodwill_budget is per month: for every calendar month the period touches. */
static int64_t
report_budget(const struct view *v, time_t from, time_t to)
{
	struct tm a, b;

	if (days_utc_to_local(from, v->c->timezone, &a) < 0 ||
	    days_utc_to_local(to - 1, v->c->timezone, &b) < 0)
		return v->c->policy.goodwill_budget;
	return v->c->policy.goodwill_budget * ((b.tm_year - a.tm_year) * 12 + b.tm_mon -
	    a.tm_mon + 1);
}

static void
report_gather(struct view *v, struct report *r)
{
	struct store *s = v->s;
	int64_t from = r->from, to = r->to;

	r->sessions = store_int(s, 0, "SELECT count(*) FROM sessions WHERE start >= ? AND "
	    "start < ? AND cancelled = 0", "ii", from, to);
	r->bookings = store_int(s, 0, "SELECT count(*) FROM bookings WHERE booked_at >= ? AND "
	    "booked_at < ?", "ii", from, to);
	r->attended = store_int(s, 0, "SELECT count(*) FROM bookings b JOIN sessions x ON "
	    "x.id = b.session_id WHERE x.start >= ? AND x.start < ? AND b.state = 'attended'",
	    "ii", from, to);
	r->no_shows = store_int(s, 0, "SELECT count(*) FROM bookings b JOIN sessions x ON "
	    "x.id = b.session_id WHERE x.start >= ? AND x.start < ? AND b.state = 'no_show'",
	    "ii", from, to);
	r->released = store_int(s, 0, "SELECT count(*) FROM events WHERE what = 'state' AND "
	    "after = 'released' AND at >= ? AND at < ?", "ii", from, to);
	r->late_cancels = store_int(s, 0, "SELECT count(*) FROM bookings WHERE cancel_kind = "
	    "'late' AND cancelled_at >= ? AND cancelled_at < ?", "ii", from, to);
	r->refilled = store_int(s, 0, "SELECT count(*) FROM events WHERE what = 'state' AND "
	    "before = 'waitlisted' AND after IN ('pending', 'confirmed') AND at >= ? AND at < ?",
	    "ii", from, to);
	r->received = store_int(s, 0, "SELECT sum(amount) FROM payments WHERE amount > 0 AND "
	    "paid_at >= ? AND paid_at < ?", "ii", from, to);
	r->paid_back = -store_int(s, 0, "SELECT sum(amount) FROM payments WHERE amount < 0 AND "
	    "booking_id IS NOT NULL AND paid_at >= ? AND paid_at < ?", "ii", from, to);
	r->open_balance = store_int(s, 0, "SELECT sum(amount_due - amount_paid) FROM bookings "
	    "WHERE amount_due > amount_paid", "");
	r->refunds_due = store_int(s, 0, "SELECT sum(amount_paid - amount_due) FROM bookings "
	    "WHERE amount_paid > amount_due AND state != 'waitlisted'", "");
	r->unmatched = store_int(s, 0, "SELECT count(*) FROM payments WHERE status IN "
	    "('unmatched', 'near-miss')", "");
	r->unmatched_amount = store_int(s, 0, "SELECT sum(amount) FROM payments WHERE status IN "
	    "('unmatched', 'near-miss')", "");
	r->goodwill = store_int(s, 0, "SELECT sum(value) FROM goodwill WHERE at >= ? AND at < ?",
	    "ii", from, to);
	r->goodwill_budget = report_budget(v, r->from, r->to);
}

/* The no-show rate in basis points of the bookings with attendance known; -1 when none. */
static int64_t
report_rate(const struct report *r)
{
	int64_t known = r->attended + r->no_shows;

	return known == 0 ? -1 : (r->no_shows * 10000 + known / 2) / known;
}

static void
report_money(struct view *v, const char *label, int64_t cents, const char *extra)
{
	char m[32];

	money_format_plain(cents, m);
	fprintf(v->out, "%-28s %10s%s\n", label, m, extra);
}

/* The open balances now, by dunning stage (0 = not dunned yet; the last is collection). */
static void
report_stages(struct view *v, struct json *j)
{
	sqlite3_stmt *q = store_q(v->s, "SELECT stage, count(*), sum(amount_due - amount_paid) "
	    "FROM bookings WHERE amount_due > amount_paid GROUP BY stage ORDER BY stage", "");
	int collection = (int)v->c->policy.ndunning + 1;

	if (v->json) {
		json_key(j, "open_by_stage");
		json_arr(j);
	}
	while (store_step(v->s, q) > 0) {
		int stage = sqlite3_column_int(q, 0);
		char label[64], extra[32];

		if (v->json) {
			json_obj(j);
			json_key(j, "stage"); json_int(j, stage);
			json_key(j, "bookings"); json_int(j, sqlite3_column_int64(q, 1));
			json_key(j, "amount"); json_int(j, sqlite3_column_int64(q, 2));
			json_obj_end(j);
			continue;
		}
		if (stage == 0)
			snprintf(label, sizeof(label), "  not dunned yet");
		else if (stage >= collection)
			snprintf(label, sizeof(label), "  in collection");
		else
			snprintf(label, sizeof(label), "  after dunning step %d", stage);
		snprintf(extra, sizeof(extra), "  (%lld)", (long long)sqlite3_column_int64(q, 1));
		report_money(v, label, sqlite3_column_int64(q, 2), extra);
	}
	if (v->json)
		json_arr_end(j);
}

int
view_report(struct view *v, time_t from, time_t to)
{
	struct report r;
	struct json j;
	int64_t rate;

	memset(&r, 0, sizeof(r));
	r.from = from;
	r.to = to;
	report_gather(v, &r);
	rate = report_rate(&r);
	if (v->json) {
		json_init(&j, v->out, v->c->timezone);
		json_obj(&j);
		json_key(&j, "from"); json_time(&j, from);
		json_key(&j, "to"); json_time(&j, to);
		json_key(&j, "sessions"); json_int(&j, r.sessions);
		json_key(&j, "bookings"); json_int(&j, r.bookings);
		json_key(&j, "attended"); json_int(&j, r.attended);
		json_key(&j, "no_shows"); json_int(&j, r.no_shows);
		json_key(&j, "no_show_rate");
		if (rate < 0)
			json_null(&j);
		else
			json_int(&j, rate);
		json_key(&j, "late_cancellations"); json_int(&j, r.late_cancels);
		json_key(&j, "released"); json_int(&j, r.released);
		json_key(&j, "refilled"); json_int(&j, r.refilled);
		json_key(&j, "received"); json_int(&j, r.received);
		json_key(&j, "paid_back"); json_int(&j, r.paid_back);
		json_key(&j, "open_balance"); json_int(&j, r.open_balance);
		json_key(&j, "refunds_due"); json_int(&j, r.refunds_due);
		json_key(&j, "unmatched"); json_int(&j, r.unmatched);
		json_key(&j, "unmatched_amount"); json_int(&j, r.unmatched_amount);
		json_key(&j, "goodwill"); json_int(&j, r.goodwill);
		json_key(&j, "goodwill_budget"); json_int(&j, r.goodwill_budget);
		report_stages(v, &j);
		json_obj_end(&j);
		json_end(&j);
	} else {
		char a[32], b[32], pct[32];

		days_format_iso(from, v->c->timezone, a);
		days_format_iso(to, v->c->timezone, b);
		fprintf(v->out, "report from %s to %s\n\n", a, b);
		fprintf(v->out, "%-28s %10lld\n", "sessions held", (long long)r.sessions);
		fprintf(v->out, "%-28s %10lld\n", "bookings made", (long long)r.bookings);
		if (rate < 0)
			snprintf(pct, sizeof(pct), "no attendance recorded");
		else
			snprintf(pct, sizeof(pct), "%lld.%02lld%% of %lld", (long long)(rate / 100),
			    (long long)(rate % 100), (long long)(r.attended + r.no_shows));
		fprintf(v->out, "%-28s %10lld  (%s)\n", "no-shows", (long long)r.no_shows, pct);
		fprintf(v->out, "%-28s %10lld\n", "late cancellations", (long long)r.late_cancels);
		fprintf(v->out, "%-28s %10lld\n", "seats released", (long long)r.released);
		fprintf(v->out, "%-28s %10lld\n", "seats refilled from list", (long long)r.refilled);
		report_money(v, "payments received", r.received, "");
		report_money(v, "paid back", r.paid_back, "");
		{
			char budget[32], extra[64];

			money_format_plain(r.goodwill_budget, budget);
			snprintf(extra, sizeof(extra), "  (budget %s%s)", budget,
			    r.goodwill > r.goodwill_budget ? ", over" : "");
			report_money(v, "goodwill given", r.goodwill, extra);
		}
		fprintf(v->out, "\nnow:\n");
		report_money(v, "open balances", r.open_balance, "");
		report_stages(v, NULL);
		report_money(v, "refunds due", r.refunds_due, r.refunds_due ?
		    "  (see noshowctl status)" : "");
		report_money(v, "unmatched payments", r.unmatched_amount, r.unmatched ?
		    "  (see noshowctl status)" : "");
	}
	return v->s->failed ? -1 : 0;
}
