#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compose.h"
#include "days.h"
#include "format.h"
#include "invite.h"
#include "json.h"
#include "log.h"
#include "message.h"
#include "money.h"
#include "outbox.h"
#include "policy.h"
#include "template.h"
#include "util.h"

const char *const compose_kinds[] = {
	"confirmation", "waitlisted", "seat-available", "payment-reminder", "release",
	"cancellation", "late-cancellation", "no-show", "refusal", "goodwill",
	"payment-received", "digest", "reminder", "second-reminder", "final-notice", NULL,
};

/* Everything about one booking that a message may say. */
struct compose_facts {
	int64_t id;
	char *ref, *email, *name, *language, *state, *session_id, *title, *location, *url;
	char *description, *company, *vat, *customer_language, *address;
	time_t booked_at, pay_by, start, end, cancelled_at, debt_due;
	int64_t amount_due, amount_paid, price;
	int invite_sequence;
	int64_t seen_order;	/* for the waiting-list position */
};

static void
compose_facts_release(struct compose_facts *f)
{
	free(f->ref), free(f->email), free(f->name), free(f->language), free(f->state);
	free(f->session_id), free(f->title), free(f->location), free(f->url);
	free(f->description), free(f->company), free(f->vat), free(f->customer_language);
	free(f->address);
}

static int
compose_load(struct store *s, int64_t id, struct compose_facts *f)
{
	sqlite3_stmt *q = store_q(s, "SELECT b.ref, b.email, coalesce(b.name, c.name), "
	    "b.language, b.state, b.session_id, x.title, x.location, x.url, x.description, "
	    "c.company, c.vat, c.language, b.booked_at, coalesce(b.pay_by, 0), x.start, x.end, "
	    "b.amount_due, b.amount_paid, x.price, b.invite_sequence, b.seen_at, "
	    "coalesce(b.cancelled_at, 0), coalesce(b.debt_due, 0), c.address FROM bookings b "
	    "JOIN sessions x ON x.id = b.session_id JOIN customers c ON c.email = b.email "
	    "WHERE b.id = ?", "i", id);

	memset(f, 0, sizeof(*f));
	if (store_step(s, q) <= 0)
		return -1;
	f->id = id;
	f->ref = store_col_dup(q, 0);
	f->email = store_col_dup(q, 1);
	f->name = store_col_dup(q, 2);
	f->language = store_col_dup(q, 3);
	f->state = store_col_dup(q, 4);
	f->session_id = store_col_dup(q, 5);
	f->title = store_col_dup(q, 6);
	f->location = store_col_dup(q, 7);
	f->url = store_col_dup(q, 8);
	f->description = store_col_dup(q, 9);
	f->company = store_col_dup(q, 10);
	f->vat = store_col_dup(q, 11);
	f->customer_language = store_col_dup(q, 12);
	f->booked_at = sqlite3_column_int64(q, 13);
	f->pay_by = sqlite3_column_int64(q, 14);
	f->start = sqlite3_column_int64(q, 15);
	f->end = sqlite3_column_int64(q, 16);
	f->amount_due = sqlite3_column_int64(q, 17);
	f->amount_paid = sqlite3_column_int64(q, 18);
	f->price = sqlite3_column_int64(q, 19);
	f->invite_sequence = sqlite3_column_int(q, 20);
	f->seen_order = sqlite3_column_int64(q, 21);
	f->cancelled_at = sqlite3_column_int64(q, 22);
	f->debt_due = sqlite3_column_int64(q, 23);
	f->address = store_col_dup(q, 24);
	sqlite3_reset(q);
	return 0;
}

/* The customer's language where we ship templates for it, else the configured one. */
static const char *
compose_language(const struct config *c, const struct compose_facts *f)
{
	const char *cands[] = { f->language, f->customer_language };

	for (size_t i = 0; i < 2; i++)
		if (cands[i] && (strcmp(cands[i], "nl") == 0 || strcmp(cands[i], "en") == 0))
			return cands[i];
	return c->language;
}

static void
set_money(struct tmpl_vars *v, const char *name, int64_t cents, const char *lang)
{
	char buf[48];

	money_format(cents, lang, buf);
	tmpl_set(v, name, buf);
}

static void
set_date(struct tmpl_vars *v, const char *dname, const char *tname, time_t t,
    const struct config *c, const char *lang)
{
	char d[64], h[16];

	if (t == 0) {
		tmpl_set(v, dname, NULL);
		if (tname)
			tmpl_set(v, tname, NULL);
		return;
	}
	format_date(t, c->timezone, lang, d);
	tmpl_set(v, dname, d);
	if (tname != NULL) {
		format_time(t, c->timezone, h);
		tmpl_set(v, tname, h);
	}
}

static void
set_duration(struct tmpl_vars *v, const char *name, int64_t secs, const char *lang)
{
	char buf[64];

	format_duration(secs, lang, buf);
	tmpl_set(v, name, buf);
}

static void
set_percent(struct tmpl_vars *v, const char *name, int bp, const char *lang)
{
	char buf[16];

	format_percent(bp, lang, buf);
	tmpl_set(v, name, buf);
}

static void
set_flag(struct tmpl_vars *v, const char *name, int on)
{
	tmpl_set(v, name, on ? "1" : NULL);
}

/* VAT contained in an amount that includes it, rounded to the cent. */
static int64_t
compose_vat(int64_t amount, int rate_bp)
{
	return (amount * rate_bp * 2 + (10000 + rate_bp)) / (2 * (10000 + (int64_t)rate_bp));
}

/*
 * The next number of the year of `now` in the one gapless series of invoices and credit
 * notes, taken in the transaction that records why it is issued. A credit note (corrects
 * set) has a negative amount and names the invoice it corrects.
 */
static int
compose_invoice(struct store *s, const struct config *c, int64_t booking_id, time_t now,
    int64_t amount, const char *corrects)
{
	struct tm tm;
	int64_t seq;
	int64_t vat = amount < 0 ? -compose_vat(-amount, c->trainer.vat_rate) :
	    compose_vat(amount, c->trainer.vat_rate);
	char number[32];

	days_utc_to_local(now, c->timezone, &tm);
	seq = store_int(s, 0, "SELECT max(seq) FROM invoices WHERE year = ?", "d",
	    tm.tm_year + 1900) + 1;
	snprintf(number, 32, "%d-%04lld", (tm.tm_year + 1900) % 10000,
	    (long long)(seq % 100000000));
	return store_exec(s, "INSERT INTO invoices (number, year, seq, booking_id, issued_at, "
	    "amount, vat, corrects) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", "tdiiiiit", number,
	    tm.tm_year + 1900, seq, booking_id, (int64_t)now, amount, vat, corrects);
}

/*
 * Keep what was invoiced equal to what is due, before a message says either: the message
 * that gives a seat invoices what is not invoiced yet (the first invoice, or a new one
 * for a seat revived after a release was credited); any message after less became due (a
 * fee below the price, a waiver, a release, a free move) comes with a credit note for the
 * difference. A booking never invoiced gets no credit note.
 */
static int
compose_invoice_settle(struct store *s, const struct config *c, int64_t booking_id,
    int64_t amount_due, int invoice, time_t now)
{
	int64_t invoiced = store_int(s, 0, "SELECT coalesce(sum(amount), 0) FROM invoices WHERE "
	    "booking_id = ?", "i", booking_id);
	char *last;
	int rc;

	if (invoice && amount_due > invoiced)
		return compose_invoice(s, c, booking_id, now, amount_due - invoiced, NULL);
	if (invoiced <= amount_due)
		return 0;
	last = store_text(s, "SELECT number FROM invoices WHERE booking_id = ? AND corrects "
	    "IS NULL ORDER BY id DESC LIMIT 1", "i", booking_id);
	rc = last ? compose_invoice(s, c, booking_id, now, amount_due - invoiced, last) : 0;
	free(last);
	return rc;
}

/*
 * The booking's invoice, if one was issued: its number and date go in every later message;
 * and the credit note issued after it, if any.
 */
static void
compose_invoice_vars(struct store *s, const struct config *c, int64_t booking_id,
    const char *lang, struct tmpl_vars *v)
{
	sqlite3_stmt *q = store_q(s, "SELECT id, number, issued_at FROM invoices WHERE "
	    "booking_id = ? AND corrects IS NULL ORDER BY id DESC LIMIT 1", "i", booking_id);
	int have = store_step(s, q) > 0;
	int64_t id = have ? sqlite3_column_int64(q, 0) : 0;

	tmpl_set(v, "invoice_number", have ? store_col_text(q, 1) : NULL);
	set_date(v, "invoice_date", NULL, have ? sqlite3_column_int64(q, 2) : 0, c, lang);
	set_flag(v, "invoice_vat", have && c->trainer.vat_rate > 0);
	set_flag(v, "invoice_exempt", have && c->trainer.vat_rate == 0);
	if (have)
		sqlite3_reset(q);
	q = store_q(s, "SELECT number, issued_at, -amount, -vat FROM invoices WHERE "
	    "booking_id = ? AND corrects IS NOT NULL AND id > ? ORDER BY id DESC LIMIT 1", "ii",
	    booking_id, id);
	have = id != 0 && store_step(s, q) > 0;
	tmpl_set(v, "credit_note_number", have ? store_col_text(q, 0) : NULL);
	set_date(v, "credit_note_date", NULL, have ? sqlite3_column_int64(q, 1) : 0, c, lang);
	if (have) {
		set_money(v, "credit_note_amount", sqlite3_column_int64(q, 2), lang);
		if (c->trainer.vat_rate > 0)
			set_money(v, "credit_note_vat", sqlite3_column_int64(q, 3), lang);
		else
			tmpl_set(v, "credit_note_vat", NULL);
		sqlite3_reset(q);
	} else {
		tmpl_set(v, "credit_note_amount", NULL);
		tmpl_set(v, "credit_note_vat", NULL);
	}
}

/* The trainer's address on one line: its lines joined with ", ". */
static void
compose_address_line(struct tmpl_vars *v, const char *address)
{
	struct buf b;

	buf_init(&b);
	for (const char *p = address ? address : ""; *p; p++) {
		if (*p == '\n') {
			if (b.len > 0 && p[1] != '\0')
				buf_addstr(&b, ", ");
		} else if (*p != '\r') {
			buf_addch(&b, *p);
		}
	}
	tmpl_set(v, "trainer_address_line", b.data);
	buf_release(&b);
}

/* Where a free move took this booking: the cancellation of the first date says so. */
static void
compose_moved_vars(struct store *s, const struct config *c, const struct compose_facts *f,
    const char *lang, struct tmpl_vars *v)
{
	sqlite3_stmt *q = store_q(s, "SELECT b.ref, coalesce(x.title, x.id), x.start FROM "
	    "bookings b JOIN sessions x ON x.id = b.session_id WHERE b.moved_from = ?", "i", f->id);

	if (store_step(s, q) <= 0) {
		tmpl_set(v, "moved_to_ref", NULL);
		tmpl_set(v, "moved_to_title", NULL);
		set_date(v, "moved_to_date", "moved_to_time", 0, c, lang);
		return;
	}
	tmpl_set(v, "moved_to_ref", store_col_text(q, 0));
	tmpl_set(v, "moved_to_title", store_col_text(q, 1));
	set_date(v, "moved_to_date", "moved_to_time", sqlite3_column_int64(q, 2), c, lang);
	/* Moved, not withdrawn: the right of withdrawal was not what ended it. */
	tmpl_set(v, "withdrawal_applies", NULL);
	sqlite3_reset(q);
}

/*
 * Everything a template may say about this booking. The withdrawal period is stated as the
 * law gives it: withdrawal_period from the registration, whatever the session's start.
 */
static void
compose_vars(struct store *s, const struct config *c, const struct compose_facts *f,
    const char *lang, time_t now, struct tmpl_vars *v)
{
	const struct config_trainer *t = &c->trainer;
	const struct config_policy *p = &c->policy;
	int business = (f->company && *f->company) || (f->vat && *f->vat);
	int64_t price = f->price;
	int64_t vat = compose_vat(price, t->vat_rate);
	int64_t balance = f->amount_due - f->amount_paid;
	time_t withdrawal_until = f->booked_at + p->withdrawal_period;
	time_t release_at;
	int64_t refund;
	char h[16];

	tmpl_set(v, "trainer_name", t->name);
	tmpl_set(v, "trainer_email", c->mail.from);
	tmpl_set(v, "trainer_address", t->address);
	compose_address_line(v, t->address);
	tmpl_set(v, "trainer_kvk", t->kvk);
	tmpl_set(v, "trainer_vat", t->vat);
	tmpl_set(v, "trainer_iban", t->iban);
	tmpl_set(v, "trainer_terms_url", t->terms_url);

	tmpl_set(v, "customer_name", f->name && *f->name ? f->name : NULL);
	tmpl_set(v, "customer_email", f->email);
	tmpl_set(v, "customer_address", f->address);
	tmpl_set(v, "company", f->company);
	tmpl_set(v, "vat_number", f->vat);
	set_flag(v, "is_business", business);
	set_flag(v, "is_consumer", !business);

	tmpl_set(v, "ref", f->ref);
	set_date(v, "booked_date", NULL, f->booked_at, c, lang);
	tmpl_set(v, "session_title", f->title ? f->title : f->session_id);
	set_date(v, "session_date", "session_time", f->start, c, lang);
	format_time(f->end, c->timezone, h);
	tmpl_set(v, "session_end_time", h);
	tmpl_set(v, "session_location", f->location);
	tmpl_set(v, "session_url", f->url);

	set_flag(v, "has_price", price > 0);
	set_money(v, "price", price, lang);
	set_money(v, "price_excl_vat", price - vat, lang);
	set_money(v, "vat_amount", vat, lang);
	set_percent(v, "vat_rate", t->vat_rate, lang);
	tmpl_set(v, "vat_exempt", t->vat_rate == 0 ? t->vat_exempt : NULL);

	set_date(v, "pay_by_date", "pay_by_time", f->pay_by, c, lang);
	set_flag(v, "pay_in_full", balance > 0 && p->deposit == 0);
	if (p->deposit > 0 && balance > 0) {
		set_money(v, "deposit_amount", price * p->deposit / 10000, lang);
		set_money(v, "rest_amount", price - price * p->deposit / 10000, lang);
		set_date(v, "rest_due_date", NULL, f->start - p->rest_due_before, c, lang);
	}
	set_money(v, "amount_due", f->amount_due, lang);
	set_money(v, "amount_paid", f->amount_paid, lang);
	set_flag(v, "has_paid", f->amount_paid > 0);
	set_money(v, "balance", balance, lang);
	set_flag(v, "has_balance", balance > 0);
	set_flag(v, "accept_late", p->accept_late);

	tmpl_setf(v, "waitlist_position", "%lld", (long long)store_int(s, 0,
	    "SELECT count(*) FROM bookings WHERE session_id = ? AND state = 'waitlisted' AND "
	    "(seen_at < ? OR (seen_at = ? AND id <= ?))", "tiii", f->session_id, f->seen_order,
	    f->seen_order, f->id));
	set_duration(v, "waitlist_pay_within", p->waitlist_payment_time, lang);

	set_date(v, "cancel_date", NULL, f->cancelled_at, c, lang);
	set_duration(v, "free_cancel_before", p->free_cancel_before, lang);
	set_date(v, "free_cancel_date", "free_cancel_time", f->start - p->free_cancel_before, c,
	    lang);
	set_percent(v, "late_cancel_fee", p->late_cancel_fee, lang);
	set_money(v, "late_cancel_amount", price * p->late_cancel_fee / 10000, lang);
	tmpl_setf(v, "withdrawal_days", "%lld", (long long)(p->withdrawal_period / 86400));
	set_date(v, "withdrawal_until", NULL, withdrawal_until, c, lang);
	/* At a cancellation, whether it fell in the period; before, whether it still can. */
	set_flag(v, "withdrawal_applies", !business && (f->cancelled_at ?
	    f->cancelled_at < withdrawal_until && f->cancelled_at < f->start :
	    now < withdrawal_until));
	set_flag(v, "rebook_once", p->rebook_once);
	compose_moved_vars(s, c, f, lang, v);

	release_at = policy_release_at(p, f->pay_by, f->start);
	if (strcmp(f->state, "released") == 0)	/* it happened: say when */
		release_at = store_int(s, now, "SELECT max(at) FROM events WHERE booking_id = ? "
		    "AND what = 'state' AND after = 'released'", "i", f->id);
	set_flag(v, "release_unpaid", release_at != 0 && balance > 0);
	set_date(v, "release_date", "release_time", release_at, c, lang);
	refund = policy_refund_due(policy_state_parse(f->state) < 0 ? BOOKING_CANCELLED :
	    (enum booking_state)policy_state_parse(f->state), f->amount_due, f->amount_paid);
	if (refund > 0)
		set_money(v, "refund_amount", refund, lang);
	set_percent(v, "no_show_fee", p->no_show_fee, lang);
	set_money(v, "fee_amount", price * p->no_show_fee / 10000, lang);
	set_percent(v, "interest_rate", p->interest_rate, lang);
	set_percent(v, "commercial_interest_rate", p->commercial_interest_rate, lang);
	set_date(v, "today_date", NULL, now, c, lang);
}

/*
 * The figures with legal weight in force for a message (amounts, costs, terms, dates), as
 * the message states them, for its evidence record: a JSON object of the ones set.
 */
static const char *const compose_figure_names[] = {
	"price", "amount_due", "amount_paid", "balance", "pay_by_date", "pay_by_time",
	"deposit_amount", "rest_amount", "rest_due_date", "refund_amount", "payment_amount",
	"invoice_number", "credit_note_number", "credit_note_amount", "late_cancel_amount",
	"withdrawal_until", "fee_amount", "goodwill_value", "due_date", "term_days",
	"wik_costs", "wik_total", "interest_rate", "commercial_interest_rate", NULL,
};

static char *
compose_figures(const struct tmpl_vars *v)
{
	struct buf b;

	buf_init(&b);
	buf_addch(&b, '{');
	for (size_t i = 0; compose_figure_names[i] != NULL; i++) {
		const char *val = tmpl_get(v, compose_figure_names[i]);

		if (*val == '\0')
			continue;
		if (b.len > 1)
			buf_addch(&b, ',');
		json_quote_buf(&b, compose_figure_names[i], strlen(compose_figure_names[i]));
		buf_addch(&b, ':');
		json_quote_buf(&b, val, strlen(val));
	}
	buf_addch(&b, '}');
	return buf_detach(&b);
}

/* Kinds that tell the customer a seat is held for them carry the invitation (and the
   invoice); a release takes the event out of their calendar again. */
static int
compose_wants_invoice(const char *kind)
{
	return strcmp(kind, "confirmation") == 0 || strcmp(kind, "seat-available") == 0;
}

static const char *
compose_invite_method(const char *kind, const struct compose_payment *pay,
    const struct compose_facts *f)
{
	if (compose_wants_invoice(kind) || (pay != NULL && pay->revived))
		return "REQUEST";
	/* A seat that is gone: take the event out of the calendar it was put in. */
	if (f->invite_sequence > 0 && (strcmp(kind, "release") == 0 ||
	    strcmp(kind, "cancellation") == 0 || strcmp(kind, "late-cancellation") == 0))
		return "CANCEL";
	return NULL;
}

static int
compose_fail(struct store *s, const char *fmt, const char *a, const char *b)
{
	if (!s->failed) {
		s->failed = 1;
		snprintf(s->error, sizeof(s->error), fmt, a, b);
		log_warnx("%s", s->error);
	}
	return -1;
}

/* The dunning step's own figures (rule 8); step is 1-based. */
static void
compose_dunning_vars(const struct config *c, const struct compose_facts *f, int step,
    const char *lang, struct tmpl_vars *v)
{
	const struct config_policy *p = &c->policy;
	int64_t balance = f->amount_due - f->amount_paid, costs = policy_wik_costs(balance);
	int64_t term = step < (int)p->ndunning ? p->dunning[step].after : 14 * 86400;

	if (p->wik_vat)
		costs += costs * c->trainer.vat_rate / 10000;
	if (p->dunning[step - 1].wik)
		term = 14 * 86400;
	tmpl_setf(v, "dunning_step", "%d", step);
	set_date(v, "due_date", NULL, f->debt_due, c, lang);
	tmpl_setf(v, "term_days", "%lld", (long long)((term + 86399) / 86400));
	set_money(v, "wik_costs", costs, lang);
	set_flag(v, "wik_vat", p->wik_vat);
	set_money(v, "wik_total", balance + costs, lang);
}

/*
 * Render template `tmpl` as message `kind` for a booking and queue it. pay: a payment just
 * received (payment-received); step: a dunning step (1-based), else 0.
 */
/* What a goodwill message states (rule 10). */
struct compose_goodwill {
	enum compose_courtesy what;	/* a free move: the booking is the new one */
	int64_t value;
	const char *reason, *extra;
};

static int
compose_message(struct store *s, const struct config *c, int64_t booking_id,
    const char *kind, const char *tmpl, const struct compose_payment *pay, int step,
    const struct compose_goodwill *gw, time_t now)
{
	struct compose_facts f;
	struct tmpl_vars v;
	struct message m;
	struct outbox_item item;
	struct buf data;
	char err[ERR_MAX], msgid[128], *subject = NULL, *body = NULL;
	char *calendar = NULL, uid[300], template_hash[65], *figures = NULL;
	const char *lang, *method;
	int rc = -1;

	if (s->failed || compose_load(s, booking_id, &f) < 0)
		return -1;
	if (c->mail.from == NULL) {
		compose_facts_release(&f);
		return compose_fail(s, "%s: cannot send the %s message: neither trainer.email "
		    "nor mail.from is set", c->path, kind);
	}
	lang = compose_language(c, &f);
	tmpl_vars_init(&v);
	buf_init(&data);
	compose_vars(s, c, &f, lang, now, &v);
	if (pay != NULL) {
		set_money(&v, "payment_amount", pay->amount, lang);
		set_date(&v, "payment_date", NULL, pay->at, c, lang);
	}
	/* The invoice goes with the message that tells the customer a seat is theirs. */
	if (compose_invoice_settle(s, c, booking_id, f.amount_due, compose_wants_invoice(kind) ||
	    (pay && pay->revived), now) < 0)
		goto out;
	compose_invoice_vars(s, c, booking_id, lang, &v);
	if (step > 0)
		compose_dunning_vars(c, &f, step, lang, &v);
	if (gw != NULL) {
		set_money(&v, "goodwill_value", gw->value, lang);
		tmpl_set(&v, "goodwill_reason", gw->reason);
		set_flag(&v, "goodwill_move", gw->what == COURTESY_MOVE);
		set_flag(&v, "goodwill_waiver", gw->what == COURTESY_WAIVER);
		tmpl_set(&v, "goodwill_extra", gw->what == COURTESY_EXTRA ? gw->extra : NULL);
	}
	if (template_render_file(c->mail.templates, lang, tmpl, &v, &subject, &body,
	    template_hash, err) < 0) {
		compose_fail(s, "cannot compose the %s message: %.400s", kind, err);
		goto out;
	}
	message_new_id(c->mail.from, msgid);
	if ((method = compose_invite_method(kind, pay, &f)) != NULL) {
		struct invite iv;
		const char *at = strchr(c->mail.from, '@');

		memset(&iv, 0, sizeof(iv));
		snprintf(uid, sizeof(uid), "%s@%s", f.ref, at ? at + 1 : "noshowd");
		iv.method = method;
		iv.uid = uid;
		iv.sequence = f.invite_sequence;
		iv.stamp = now;
		iv.start = f.start;
		iv.end = f.end;
		iv.zone = c->timezone;
		iv.summary = f.title ? f.title : f.session_id;
		iv.location = f.location;
		iv.description = f.description;
		iv.url = f.url;
		iv.organizer_name = c->trainer.name;
		iv.organizer_email = c->mail.from;
		iv.attendee_name = f.name;
		iv.attendee_email = f.email;
		if ((calendar = invite_build(&iv)) == NULL) {
			compose_fail(s, "cannot build the invitation of the %s message for %s",
			    kind, f.ref);
			goto out;
		}
		store_exec(s, "UPDATE bookings SET invite_sequence = invite_sequence + 1 "
		    "WHERE id = ?", "i", booking_id);
	}
	memset(&m, 0, sizeof(m));
	m.from_name = c->trainer.name;
	m.from_addr = c->mail.from;
	m.to_name = f.name;
	m.to_addr = f.email;
	m.subject = subject;
	m.body = body;
	m.message_id = msgid;
	m.date = now;
	m.zone = c->timezone;
	m.ref = f.ref;
	m.kind = kind;
	m.language = lang;
	m.calendar = calendar;
	m.calendar_method = method;
	if (message_build(&m, &data, err) < 0) {
		compose_fail(s, "cannot build the %s message: %.400s", kind, err);
		goto out;
	}
	memset(&item, 0, sizeof(item));
	item.booking_id = booking_id;
	item.kind = kind;
	item.language = lang;
	item.template_name = tmpl;
	item.template_hash = template_hash;
	item.figures = figures = compose_figures(&v);
	item.message_id = msgid;
	item.env_from = c->mail.from;
	item.rcpt = f.email;
	item.data = data.data;
	item.len = data.len;
	rc = outbox_put(s, &item, now) < 0 ? -1 : 0;
	if (rc == 0 && c->mail.bcc != NULL) {
		item.rcpt = c->mail.bcc;	/* the same bytes: the trainer's copy */
		rc = outbox_put(s, &item, now) < 0 ? -1 : 0;
	}
out:
	free(subject), free(body), free(calendar), free(figures);
	buf_release(&data);
	tmpl_vars_release(&v);
	compose_facts_release(&f);
	return rc;
}

int
compose_booking(struct store *s, const struct config *c, int64_t booking_id,
    const char *kind, time_t now)
{
	return compose_message(s, c, booking_id, kind, kind, NULL, 0, NULL, now);
}

int
compose_payment(struct store *s, const struct config *c, int64_t booking_id,
    const struct compose_payment *pay, time_t now)
{
	return compose_message(s, c, booking_id, "payment-received", "payment-received", pay, 0,
	    NULL, now);
}

int64_t
compose_dunning(struct store *s, const struct config *c, int64_t booking_id, int step,
    time_t now)
{
	char kind[32];

	snprintf(kind, sizeof(kind), "dunning-%d", step);
	if (compose_message(s, c, booking_id, kind, c->policy.dunning[step - 1].template, NULL,
	    step, NULL, now) < 0)
		return -1;
	/* The customer's copy (not the trainer's bcc): its delivery starts the term. */
	return store_int(s, -1, "SELECT o.id FROM outbox o JOIN bookings b ON b.id = o.booking_id "
	    "WHERE o.booking_id = ? AND o.kind = ? AND o.rcpt = b.email ORDER BY o.id DESC "
	    "LIMIT 1", "it", booking_id, kind);
}

int
compose_goodwill(struct store *s, const struct config *c, int64_t booking_id,
    enum compose_courtesy what, int64_t value, const char *reason, const char *extra,
    time_t now)
{
	struct compose_goodwill gw = { what, value, reason, extra };

	return compose_message(s, c, booking_id, "goodwill", "goodwill", NULL, 0, &gw, now);
}

int
compose_digest(struct store *s, const struct config *c, const char *body, time_t now)
{
	const char *to = c->trainer.email ? c->trainer.email : c->mail.from;
	struct tmpl_vars v;
	struct message m;
	struct outbox_item item;
	struct buf data;
	char err[ERR_MAX], msgid[128], *subject = NULL, *text = NULL, template_hash[65];
	int rc = -1;

	if (s->failed || to == NULL || c->mail.from == NULL)
		return s->failed ? -1 : 0;
	tmpl_vars_init(&v);
	buf_init(&data);
	tmpl_set(&v, "trainer_name", c->trainer.name);
	tmpl_set(&v, "trainer_email", c->mail.from);
	set_date(&v, "today_date", NULL, now, c, c->language);
	tmpl_set(&v, "digest_body", body);
	if (template_render_file(c->mail.templates, c->language, "digest", &v, &subject, &text,
	    template_hash, err) < 0) {
		compose_fail(s, "cannot compose the %s message: %.400s", "digest", err);
		goto out;
	}
	message_new_id(c->mail.from, msgid);
	memset(&m, 0, sizeof(m));
	m.from_name = "noshowd";
	m.from_addr = c->mail.from;
	m.to_name = c->trainer.name;
	m.to_addr = to;
	m.subject = subject;
	m.body = text;
	m.message_id = msgid;
	m.date = now;
	m.zone = c->timezone;
	m.kind = "digest";
	m.language = c->language;
	if (message_build(&m, &data, err) < 0) {
		compose_fail(s, "cannot build the %s message: %.400s", "digest", err);
		goto out;
	}
	memset(&item, 0, sizeof(item));
	item.kind = "digest";
	item.language = c->language;
	item.template_name = "digest";
	item.template_hash = template_hash;
	item.message_id = msgid;
	item.env_from = c->mail.from;
	item.rcpt = to;
	item.data = data.data;
	item.len = data.len;
	rc = outbox_put(s, &item, now) < 0 ? -1 : 0;
out:
	free(subject), free(text);
	buf_release(&data);
	tmpl_vars_release(&v);
	return rc;
}
