#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "days.h"
#include "export.h"
#include "money.h"
#include "policy.h"
#include "util.h"

/* One cell: quoted when it must be, defused when a spreadsheet would run it. */
static void
export_cell(FILE *out, const char *v, int last)
{
	int quote = strpbrk(v, ",\"\r\n") != NULL;
	int number = v[strspn(v, "-0123456789.")] == '\0';

	if (v[0] != '\0' && strchr("=+-@", v[0]) != NULL && !number) {
		fputs(quote ? "\"'" : "'", out);
	} else if (quote) {
		fputc('"', out);
	}
	for (const char *p = v; *p; p++) {
		if (*p == '"')
			fputc('"', out);
		fputc(*p, out);
	}
	if (quote)
		fputc('"', out);
	fputs(last ? "\r\n" : ",", out);
}

static void
export_row(FILE *out, const char *const *cells, size_t n)
{
	for (size_t i = 0; i < n; i++)
		export_cell(out, cells[i] ? cells[i] : "", i + 1 == n);
}

static void
export_time(const struct config *c, time_t t, char out[32])
{
	if (t == 0)
		out[0] = '\0';
	else
		days_format_iso(t, c->timezone, out);
}

int
export_bookings(struct store *s, const struct config *c, FILE *out)
{
	static const char *const head[] = { "ref", "session", "title", "start", "email", "name",
	    "company", "vat", "state", "booked_at", "pay_by", "amount_due", "amount_paid",
	    "balance", "stage", "invoice" };
	sqlite3_stmt *q = store_q(s, "SELECT b.ref, b.session_id, x.title, x.start, b.email, "
	    "coalesce(b.name, c.name), c.company, c.vat, b.state, b.booked_at, "
	    "coalesce(b.pay_by, 0), b.amount_due, b.amount_paid, b.stage, (SELECT number FROM "
	    "invoices i WHERE i.booking_id = b.id ORDER BY i.id DESC LIMIT 1) FROM bookings b "
	    "JOIN sessions x ON x.id = b.session_id JOIN customers c ON c.email = b.email "
	    "ORDER BY x.start, b.session_id, b.seen_at, b.id", "");

	export_row(out, head, sizeof(head) / sizeof(head[0]));
	while (store_step(s, q) > 0) {
		char start[32], booked[32], pay_by[32], due[32], paid[32], bal[32], stage[16];
		int64_t d = sqlite3_column_int64(q, 11), p = sqlite3_column_int64(q, 12);
		const char *row[16];

		export_time(c, sqlite3_column_int64(q, 3), start);
		export_time(c, sqlite3_column_int64(q, 9), booked);
		export_time(c, sqlite3_column_int64(q, 10), pay_by);
		money_format_plain(d, due);
		money_format_plain(p, paid);
		money_format_plain(d - p, bal);
		snprintf(stage, sizeof(stage), "%d", sqlite3_column_int(q, 13));
		row[0] = store_col_text(q, 0), row[1] = store_col_text(q, 1);
		row[2] = store_col_text(q, 2), row[3] = start, row[4] = store_col_text(q, 4);
		row[5] = store_col_text(q, 5), row[6] = store_col_text(q, 6);
		row[7] = store_col_text(q, 7), row[8] = store_col_text(q, 8), row[9] = booked;
		row[10] = pay_by, row[11] = due, row[12] = paid, row[13] = bal, row[14] = stage;
		row[15] = store_col_text(q, 14);
		export_row(out, row, 16);
	}
	return s->failed || ferror(out) ? -1 : 0;
}

/* The messages sent about a booking: "KIND SENT-AT <MESSAGE-ID> sha256:HASH; ...". */
static char *
export_messages(struct store *s, const struct config *c, int64_t id)
{
	sqlite3_stmt *q = store_q(s, "SELECT o.kind, coalesce(o.sent_at, 0), o.message_id, o.hash "
	    "FROM outbox o JOIN bookings b ON b.id = o.booking_id WHERE o.booking_id = ? AND "
	    "o.rcpt = b.email AND o.state = 'sent' ORDER BY o.id", "i", id);
	struct buf b;

	buf_init(&b);
	while (store_step(s, q) > 0) {
		char at[32];

		export_time(c, sqlite3_column_int64(q, 1), at);
		buf_printf(&b, "%s%s %s <%s> sha256:%s", b.len ? "; " : "", store_col_text(q, 0),
		    at, store_col_text(q, 2), store_col_text(q, 3));
	}
	return buf_detach(&b);
}

int
export_collection(struct store *s, const struct config *c, time_t now, FILE *out)
{
	static const char *const head[] = { "ref", "debtor", "email", "company", "vat",
	    "address", "invoice", "invoice_date", "due_date", "principal", "collection_costs",
	    "interest_rate", "interest_to_date", "total", "messages" };
	const struct config_policy *p = &c->policy;
	sqlite3_stmt *q = store_q(s, "SELECT b.id, b.ref, coalesce(b.name, c.name), b.email, "
	    "c.company, c.vat, i.number, coalesce(i.issued_at, 0), coalesce(b.debt_due, 0), "
	    "b.amount_due - b.amount_paid, coalesce(o.sent_at, 0), replace(coalesce(c.address, "
	    "''), char(10), ', ') FROM bookings b JOIN customers c ON c.email = b.email "
	    "LEFT JOIN outbox o ON o.id = b.dunning_outbox LEFT JOIN invoices i ON i.id = "
	    "(SELECT max(id) FROM invoices WHERE booking_id = b.id AND corrects IS NULL) "
	    "WHERE b.stage > ? AND b.amount_due > b.amount_paid ORDER BY b.debt_due, b.id", "d",
	    (int)p->ndunning);

	export_row(out, head, sizeof(head) / sizeof(head[0]));
	while (store_step(s, q) > 0) {
		int business = *store_col_text(q, 4) || *store_col_text(q, 5);
		int64_t principal = sqlite3_column_int64(q, 9), costs = policy_wik_costs(principal);
		time_t due = sqlite3_column_int64(q, 8), from = due;
		int rate = business ? p->commercial_interest_rate : p->interest_rate;
		int64_t days, interest;
		char inv_date[32], due_s[32], pr[32], co[32], in[32], tot[32], rt[16], *msgs;
		const char *row[15];

		if (p->wik_vat)
			costs += costs * c->trainer.vat_rate / 10000;
		/*
		 * Simple interest per day on the principal, to the cent: for a business from the
		 * due moment, for a consumer from the end of the 14-day letter's term, as it says.
		 */
		if (!business && p->ndunning > 0 && p->dunning[p->ndunning - 1].wik &&
		    sqlite3_column_int64(q, 10) > 0)
			from = policy_step_term(p, c->timezone, (int)p->ndunning,
			    sqlite3_column_int64(q, 10));
		days = now > from ? (now - from) / 86400 : 0;
		interest = (principal * rate * days * 2 / (10000 * 365) + 1) / 2;
		export_time(c, sqlite3_column_int64(q, 7), inv_date);
		export_time(c, due, due_s);
		money_format_plain(principal, pr);
		money_format_plain(costs, co);
		money_format_plain(interest, in);
		money_format_plain(principal + costs + interest, tot);
		snprintf(rt, sizeof(rt), "%d.%02d%%", rate / 100, rate % 100);
		msgs = export_messages(s, c, sqlite3_column_int64(q, 0));
		row[0] = store_col_text(q, 1), row[1] = store_col_text(q, 2);
		row[2] = store_col_text(q, 3), row[3] = store_col_text(q, 4);
		row[4] = store_col_text(q, 5), row[5] = store_col_text(q, 11), row[6] = store_col_text(q, 6);
		row[7] = inv_date, row[8] = due_s, row[9] = pr, row[10] = co, row[11] = rt;
		row[12] = in, row[13] = tot, row[14] = msgs;
		export_row(out, row, 15);
		free(msgs);
	}
	return s->failed || ferror(out) ? -1 : 0;
}
