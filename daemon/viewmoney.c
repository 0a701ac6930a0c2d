/*
 * The money part of what noshowctl shows: refunds due and bank credits that name no
 * booking (status), and a booking's payments (show). Read-only.
 */
#include <stdio.h>
#include <string.h>

#include "days.h"
#include "json.h"
#include "money.h"
#include "view.h"

/* Money due back: paid more than owed, outside the waiting list (policy_refund_due). */
#define REFUND_WHERE "amount_paid > amount_due AND state != 'waitlisted'"

static void
view_date(const struct view *v, time_t t, char out[32])
{
	days_format_iso(t, v->c->timezone, out);
	out[10] = '\0';
}

static void
view_refunds(struct view *v, struct json *j)
{
	sqlite3_stmt *q = store_q(v->s, "SELECT ref, email, state, amount_paid - amount_due "
	    "FROM bookings WHERE " REFUND_WHERE " ORDER BY id", "");
	int n = 0;

	if (v->json) {
		json_key(j, "refunds_due");
		json_arr(j);
	}
	while (store_step(v->s, q) > 0) {
		char amount[32];

		if (v->json) {
			json_obj(j);
			json_key(j, "ref"); json_str(j, store_col_text(q, 0));
			json_key(j, "email"); json_str(j, store_col_text(q, 1));
			json_key(j, "state"); json_str(j, store_col_text(q, 2));
			json_key(j, "amount"); json_int(j, sqlite3_column_int64(q, 3));
			json_obj_end(j);
			continue;
		}
		if (n++ == 0)
			fprintf(v->out, "\nrefunds due (pay back, then record with noshowctl pay REF "
			    "-AMOUNT):\n");
		money_format_plain(sqlite3_column_int64(q, 3), amount);
		fprintf(v->out, "  %-10s %10s  %s (%s)\n", store_col_text(q, 0), amount,
		    store_col_text(q, 1), store_col_text(q, 2));
	}
	if (v->json)
		json_arr_end(j);
}

static void
view_unmatched(struct view *v, struct json *j)
{
	sqlite3_stmt *q = store_q(v->s, "SELECT id, amount, paid_at, coalesce(name, ''), "
	    "coalesce(description, ''), status, near_ref, origin FROM payments WHERE status IN "
	    "('unmatched', 'near-miss') ORDER BY paid_at, id", "");
	int n = 0;

	if (v->json) {
		json_key(j, "unmatched");
		json_arr(j);
	}
	while (store_step(v->s, q) > 0) {
		char amount[32], date[32];
		const char *near = sqlite3_column_type(q, 6) == SQLITE_NULL ? NULL :
		    store_col_text(q, 6);

		if (v->json) {
			json_obj(j);
			json_key(j, "id"); json_int(j, sqlite3_column_int64(q, 0));
			json_key(j, "amount"); json_int(j, sqlite3_column_int64(q, 1));
			json_key(j, "paid_at"); json_time(j, sqlite3_column_int64(q, 2));
			json_key(j, "name"); json_str(j, store_col_text(q, 3));
			json_key(j, "description"); json_str(j, store_col_text(q, 4));
			json_key(j, "status"); json_str(j, store_col_text(q, 5));
			json_key(j, "near_ref"); json_str(j, near);
			json_key(j, "origin"); json_str(j, store_col_text(q, 7));
			json_obj_end(j);
			continue;
		}
		if (n++ == 0)
			fprintf(v->out, "\nunmatched payments (assign with noshowctl pay REF AMOUNT "
			    "--note '#ID'):\n");
		money_format_plain(sqlite3_column_int64(q, 1), amount);
		view_date(v, sqlite3_column_int64(q, 2), date);
		fprintf(v->out, "  #%-5lld %s %10s  %s: \"%.60s\"", (long long)sqlite3_column_int64(q,
		    0), date, amount, store_col_text(q, 3), store_col_text(q, 4));
		if (strcmp(store_col_text(q, 5), "near-miss") == 0)
			fprintf(v->out, "  (%s has a wrong check character: mistyped?)", near);
		else if (near != NULL)
			fprintf(v->out, "  (no booking %s)", near);
		fputc('\n', v->out);
	}
	if (v->json)
		json_arr_end(j);
}

void
view_money_status(struct view *v, struct json *j)
{
	view_refunds(v, j);
	view_unmatched(v, j);
}

void
view_payments(struct view *v, struct json *j, long long booking_id)
{
	sqlite3_stmt *q = store_q(v->s, "SELECT amount, paid_at, origin, coalesce(description, "
	    "''), coalesce(note, ''), line FROM payments WHERE booking_id = ? ORDER BY paid_at, "
	    "id", "i", (int64_t)booking_id);
	int n = 0;

	if (v->json) {
		json_key(j, "payments");
		json_arr(j);
	}
	while (store_step(v->s, q) > 0) {
		char amount[32], date[32];

		if (v->json) {
			json_obj(j);
			json_key(j, "amount"); json_int(j, sqlite3_column_int64(q, 0));
			json_key(j, "paid_at"); json_time(j, sqlite3_column_int64(q, 1));
			json_key(j, "origin"); json_str(j, store_col_text(q, 2));
			json_key(j, "description"); json_str(j, store_col_text(q, 3));
			json_key(j, "note"); json_str(j, store_col_text(q, 4));
			json_obj_end(j);
			continue;
		}
		if (n++ == 0)
			fprintf(v->out, "payments:\n");
		money_format_plain(sqlite3_column_int64(q, 0), amount);
		view_date(v, sqlite3_column_int64(q, 1), date);
		fprintf(v->out, "  %s %10s  %s%s%s\n", date, amount, store_col_text(q, 2),
		    *store_col_text(q, 4) ? ": " : "", store_col_text(q, 4));
	}
	if (v->json)
		json_arr_end(j);
}
