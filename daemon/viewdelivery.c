/*
 * What the delivery reports say, for noshowctl status: the bounce mailbox's last read,
 * and every message that bounced and was not sent again (the `bounced` view of the store),
 * with what to do about it. A bounced dunning step holds its booking's ladder until the
 * trainer resends it.
 */
#include <stdlib.h>
#include <string.h>

#include "days.h"
#include "json.h"
#include "util.h"
#include "view.h"

static void
view_mailbox(struct view *v, struct json *j)
{
	sqlite3_stmt *q = store_q(v->s, "SELECT url, result, last_poll, last_ok, error, reports "
	    "FROM bounce_mailbox ORDER BY last_poll DESC LIMIT 1", "");
	int have = v->c->mail.bounces_url != NULL && store_step(v->s, q) > 0;

	if (v->json) {
		json_key(j, "bounces");
		if (!have) {
			json_null(j);
		} else {
			json_obj(j);
			json_key(j, "url"); json_str(j, store_col_text(q, 0));
			json_key(j, "result"); json_str(j, *store_col_text(q, 1) ?
			    store_col_text(q, 1) : "never");
			json_key(j, "last_poll"); json_time(j, sqlite3_column_int64(q, 2));
			json_key(j, "last_ok"); json_time(j, sqlite3_column_int64(q, 3));
			json_key(j, "error");
			json_str(j, *store_col_text(q, 4) ? store_col_text(q, 4) : NULL);
			json_key(j, "reports"); json_int(j, sqlite3_column_int64(q, 5));
			json_obj_end(j);
		}
	} else if (have) {
		char last[32] = "never";

		if (sqlite3_column_int64(q, 2) != 0)
			days_format_iso(sqlite3_column_int64(q, 2), v->c->timezone, last);
		fprintf(v->out, "delivery reports: %s %s, last read %s, %lld reports%s%s\n",
		    store_col_text(q, 0), *store_col_text(q, 1) ? store_col_text(q, 1) : "never",
		    last, (long long)sqlite3_column_int64(q, 5), *store_col_text(q, 4) ? ": " : "",
		    store_col_text(q, 4));
	} else {
		fprintf(v->out, "delivery reports: not collected (mail.bounces is not set)\n");
	}
	if (have)
		sqlite3_reset(q);
}

void
view_bounced(struct view *v, struct json *j)
{
	sqlite3_stmt *q = store_q(v->s, "SELECT o.id, coalesce(b.ref, ''), o.kind, o.rcpt, "
	    "o.delivery_at, o.delivery_status, o.delivery_diagnostic, "
	    "coalesce(b.dunning_outbox = o.id, 0) FROM bounced o LEFT JOIN bookings b ON "
	    "b.id = o.booking_id ORDER BY o.id", "");
	int n = 0;

	view_mailbox(v, j);
	if (v->json) {
		json_key(j, "bounced");
		json_arr(j);
	}
	while (store_step(v->s, q) > 0) {
		const char *ref = store_col_text(q, 1);
		int waits = sqlite3_column_int(q, 7);
		char *todo = waits ? xasprintf("the dunning ladder waits: check the address with "
		    "the customer, then noshowctl resend %s", ref) :
		    xstrdup("reach the customer another way, or check the address");

		if (v->json) {
			json_obj(j);
			json_key(j, "id"); json_int(j, sqlite3_column_int64(q, 0));
			json_key(j, "ref"); json_str(j, *ref ? ref : NULL);
			json_key(j, "kind"); json_str(j, store_col_text(q, 2));
			json_key(j, "to"); json_str(j, store_col_text(q, 3));
			json_key(j, "at"); json_time(j, sqlite3_column_int64(q, 4));
			json_key(j, "status");
			json_str(j, *store_col_text(q, 5) ? store_col_text(q, 5) : NULL);
			json_key(j, "diagnostic");
			json_str(j, *store_col_text(q, 6) ? store_col_text(q, 6) : NULL);
			json_key(j, "dunning_waits"); json_bool(j, waits);
			json_key(j, "todo"); json_str(j, todo);
			json_obj_end(j);
		} else {
			char at[32];

			days_format_iso(sqlite3_column_int64(q, 4), v->c->timezone, at);
			if (n++ == 0)
				fprintf(v->out, "bounced (not delivered):\n");
			fprintf(v->out, "  %-10s %-18s to %s at %s: %s%s%.200s\n    %s\n",
			    *ref ? ref : "-", store_col_text(q, 2), store_col_text(q, 3), at,
			    store_col_text(q, 5), *store_col_text(q, 6) ? " " : "",
			    store_col_text(q, 6), todo);
		}
		free(todo);
	}
	if (v->json)
		json_arr_end(j);
	else if (n == 0)
		fprintf(v->out, "bounced:          none\n");
}
