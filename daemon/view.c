#include <stdlib.h>
#include <string.h>

#include "days.h"
#include "evidence.h"
#include "json.h"
#include "money.h"
#include "outbox.h"
#include "view.h"

/* The columns every booking listing selects, in this order (see view_booking_row). */
#define BOOKING_COLS "b.id, b.ref, b.session_id, b.email, b.name, b.state, b.booked_at, " \
	"b.pay_by, b.amount_due, b.amount_paid, b.stage, b.missing, b.language, b.source"

#define SESSION_COLS "x.id, x.title, x.start, x.end, x.capacity, x.price, " \
	"(SELECT count(*) FROM bookings b WHERE b.session_id = x.id AND b.state IN " \
	"('pending', 'confirmed', 'attended', 'no_show')), " \
	"(SELECT count(*) FROM bookings b WHERE b.session_id = x.id AND b.state IN " \
	"('confirmed', 'attended') AND b.amount_paid >= b.amount_due), " \
	"(SELECT count(*) FROM bookings b WHERE b.session_id = x.id AND " \
	"b.state = 'waitlisted'), x.location, x.source, x.missing, x.cancelled, x.recurrence, " \
	"x.meetings"

/* A text column for JSON: NULL stays null. */
static const char *
view_col(sqlite3_stmt *q, int col)
{
	return sqlite3_column_type(q, col) == SQLITE_NULL ? NULL : store_col_text(q, col);
}

static void
view_time(struct view *v, time_t t, char out[32])
{
	if (t == 0)
		snprintf(out, 32, "-");
	else
		days_format_iso(t, v->c->timezone, out);
}

/* A shorter moment for tables: "2026-12-08 09:00". */
static void
view_short_time(struct view *v, time_t t, char out[32])
{
	char iso[32];

	if (t == 0) {
		snprintf(out, 32, "-");
		return;
	}
	days_format_iso(t, v->c->timezone, iso);
	snprintf(out, 32, "%.10s %.5s", iso, iso + 11);
}

static void
view_booking_json(struct json *j, sqlite3_stmt *q)
{
	int64_t due = sqlite3_column_int64(q, 8), paid = sqlite3_column_int64(q, 9);

	json_obj(j);
	json_key(j, "ref"); json_str(j, store_col_text(q, 1));
	json_key(j, "session"); json_str(j, store_col_text(q, 2));
	json_key(j, "email"); json_str(j, store_col_text(q, 3));
	json_key(j, "name");
	json_str(j, view_col(q, 4));
	json_key(j, "state"); json_str(j, store_col_text(q, 5));
	json_key(j, "booked_at"); json_time(j, sqlite3_column_int64(q, 6));
	json_key(j, "pay_by"); json_time(j, sqlite3_column_int64(q, 7));
	json_key(j, "amount_due"); json_int(j, due);
	json_key(j, "amount_paid"); json_int(j, paid);
	json_key(j, "balance"); json_int(j, due - paid);
	json_key(j, "stage"); json_int(j, sqlite3_column_int64(q, 10));
	json_key(j, "missing"); json_bool(j, sqlite3_column_int(q, 11));
	json_key(j, "language");
	json_str(j, view_col(q, 12));
	json_key(j, "source"); json_str(j, store_col_text(q, 13));
	json_obj_end(j);
}

static void
view_booking_text(struct view *v, sqlite3_stmt *q)
{
	char pay_by[32], bal[32];
	int64_t due = sqlite3_column_int64(q, 8), paid = sqlite3_column_int64(q, 9);

	view_short_time(v, sqlite3_column_int64(q, 7), pay_by);
	money_format_plain(due - paid, bal);
	fprintf(v->out, "%-10s  %-10s  %-16s  %8s  %-*s  %s  %s%s\n", store_col_text(q, 1),
	    store_col_text(q, 5), pay_by, bal, v->idw, store_col_text(q, 2), store_col_text(q, 3),
	    store_col_text(q, 4), sqlite3_column_int(q, 11) ? "  [missing]" : "");
}

/* Tables are as wide as the longest session id (feeds use long UIDs). */
static void
view_id_width(struct view *v)
{
	int64_t w = store_int(v->s, 7, "SELECT max(length(id)) FROM sessions", "");

	v->idw = w < 7 ? 7 : w > 80 ? 80 : (int)w;
}

static void
view_booking_header(struct view *v)
{
	view_id_width(v);
	fprintf(v->out, "%-10s  %-10s  %-16s  %8s  %-*s  %s\n", "REF", "STATE", "PAY BY",
	    "BALANCE", v->idw, "SESSION", "EMAIL  NAME");
}


void
view_booking_line(struct view *v, long long id)
{
	sqlite3_stmt *q = store_q(v->s, "SELECT " BOOKING_COLS " FROM bookings b WHERE b.id = ?",
	    "i", (int64_t)id);
	struct json j;

	if (store_step(v->s, q) <= 0)
		return;
	if (v->json) {
		json_init(&j, v->out, v->c->timezone);
		view_booking_json(&j, q);
		json_end(&j);
	} else {
		view_booking_header(v);
		view_booking_text(v, q);
	}
	sqlite3_reset(q);
}

static void
view_session_json(struct json *j, sqlite3_stmt *q)
{
	json_obj(j);
	json_key(j, "id"); json_str(j, store_col_text(q, 0));
	json_key(j, "title"); json_str(j, store_col_text(q, 1));
	json_key(j, "start"); json_time(j, sqlite3_column_int64(q, 2));
	json_key(j, "end"); json_time(j, sqlite3_column_int64(q, 3));
	json_key(j, "capacity"); json_int(j, sqlite3_column_int64(q, 4));
	json_key(j, "booked"); json_int(j, sqlite3_column_int64(q, 6));
	json_key(j, "paid"); json_int(j, sqlite3_column_int64(q, 7));
	json_key(j, "waitlisted"); json_int(j, sqlite3_column_int64(q, 8));
	json_key(j, "price"); json_int(j, sqlite3_column_int64(q, 5));
	json_key(j, "location");
	json_str(j, view_col(q, 9));
	json_key(j, "source"); json_str(j, store_col_text(q, 10));
	json_key(j, "missing"); json_bool(j, sqlite3_column_int(q, 11));
	json_key(j, "cancelled"); json_bool(j, sqlite3_column_int(q, 12));
	json_key(j, "recurrence");
	json_str(j, view_col(q, 13));
	json_key(j, "meetings"); json_int(j, sqlite3_column_int64(q, 14));
	json_obj_end(j);
}

static void
view_session_text(struct view *v, sqlite3_stmt *q)
{
	char start[32], price[32];

	view_short_time(v, sqlite3_column_int64(q, 2), start);
	money_format_plain(sqlite3_column_int64(q, 5), price);
	fprintf(v->out, "%-*s  %-16s  %4lld/%-4lld  %4lld  %4lld  %8s  %s%s%s\n",
	    v->idw, store_col_text(q, 0), start, (long long)sqlite3_column_int64(q, 6),
	    (long long)sqlite3_column_int64(q, 4), (long long)sqlite3_column_int64(q, 7),
	    (long long)sqlite3_column_int64(q, 8), price, store_col_text(q, 1),
	    sqlite3_column_int(q, 12) ? "  [cancelled]" : "",
	    sqlite3_column_int(q, 11) ? "  [missing]" : "");
}

static void
view_session_header(struct view *v)
{
	view_id_width(v);
	fprintf(v->out, "%-*s  %-16s  %9s  %4s  %4s  %8s  %s\n", v->idw, "SESSION", "START",
	    "SEATS", "PAID", "WAIT", "PRICE", "TITLE");
}

/* One kind of row, as a table line and as a JSON object. */
struct view_kind {
	void (*header)(struct view *);
	void (*text)(struct view *, sqlite3_stmt *);
	void (*json)(struct json *, sqlite3_stmt *);
};

/* Every row of q: a table with its header, or one JSON array. */
static int
view_list(struct view *v, sqlite3_stmt *q, const struct view_kind *k)
{
	struct json j;

	json_init(&j, v->out, v->c->timezone);
	if (v->json)
		json_arr(&j);
	else
		k->header(v);
	while (store_step(v->s, q) > 0) {
		if (v->json)
			k->json(&j, q);
		else
			k->text(v, q);
	}
	if (v->json) {
		json_arr_end(&j);
		json_end(&j);
	}
	return v->s->failed ? -1 : 0;
}

static const struct view_kind view_session_kind = {
	view_session_header, view_session_text, view_session_json,
};
static const struct view_kind view_booking_kind = {
	view_booking_header, view_booking_text, view_booking_json,
};

int
view_sessions(struct view *v, int all)
{
	return view_list(v, store_q(v->s, "SELECT " SESSION_COLS " FROM sessions x "
	    "WHERE ? OR x.end > ? ORDER BY x.start, x.id", "di", all, (int64_t)v->now),
	    &view_session_kind);
}

int
view_bookings(struct view *v, const char *session, const char *state)
{
	return view_list(v, store_q(v->s, "SELECT " BOOKING_COLS " FROM bookings b JOIN "
	    "sessions x ON x.id = b.session_id WHERE (?1 IS NULL OR b.session_id = ?1) AND "
	    "(?2 IS NULL OR b.state = ?2) ORDER BY x.start DESC, x.id, b.seen_at, b.id", "tt",
	    session, state), &view_booking_kind);
}

static void
view_events(struct view *v, struct json *j, long long booking_id)
{
	sqlite3_stmt *q = store_q(v->s, "SELECT at, cause, what, before, after, detail FROM "
	    "events WHERE booking_id = ? ORDER BY id", "i", (int64_t)booking_id);

	if (v->json) {
		json_key(j, "events");
		json_arr(j);
	} else {
		fprintf(v->out, "\nevents:\n");
	}
	while (store_step(v->s, q) > 0) {
		if (v->json) {
			json_obj(j);
			json_key(j, "at"); json_time(j, sqlite3_column_int64(q, 0));
			json_key(j, "cause"); json_str(j, store_col_text(q, 1));
			json_key(j, "what"); json_str(j, store_col_text(q, 2));
			json_key(j, "before");
			json_str(j, view_col(q, 3));
			json_key(j, "after");
			json_str(j, view_col(q, 4));
			json_key(j, "detail");
			json_str(j, view_col(q, 5));
			json_obj_end(j);
		} else {
			char at[32];

			view_time(v, sqlite3_column_int64(q, 0), at);
			fprintf(v->out, "  %s  %s", at, store_col_text(q, 2));
			if (*store_col_text(q, 3))
				fprintf(v->out, " %s ->", store_col_text(q, 3));
			if (*store_col_text(q, 4))
				fprintf(v->out, " %s", store_col_text(q, 4));
			if (*store_col_text(q, 5))
				fprintf(v->out, ": %s", store_col_text(q, 5));
			fprintf(v->out, "  [%s]\n", store_col_text(q, 1));
		}
	}
	if (v->json)
		json_arr_end(j);
}

/* The outbox columns every listing selects, in this order (see view_message). */
#define MESSAGE_COLS "o.id, coalesce(b.ref, ''), o.kind, o.rcpt, o.state, o.attempts, " \
	"o.created, o.sent_at, o.next_attempt, o.last_code, o.last_reply, o.last_error, " \
	"o.message_id, o.hash, o.language, (SELECT group_concat(seq, ' ') FROM evidence e " \
	"WHERE e.outbox_id = o.id), o.delivery, o.delivery_at, o.delivery_status, " \
	"o.delivery_diagnostic"

static void
view_message(struct view *v, struct json *j, sqlite3_stmt *q)
{
	if (v->json) {
		json_obj(j);
		json_key(j, "id"); json_int(j, sqlite3_column_int64(q, 0));
		json_key(j, "ref"); json_str(j, store_col_text(q, 1));
		json_key(j, "kind"); json_str(j, store_col_text(q, 2));
		json_key(j, "to"); json_str(j, store_col_text(q, 3));
		json_key(j, "state"); json_str(j, store_col_text(q, 4));
		json_key(j, "attempts"); json_int(j, sqlite3_column_int64(q, 5));
		json_key(j, "created"); json_time(j, sqlite3_column_int64(q, 6));
		json_key(j, "sent_at"); json_time(j, sqlite3_column_int64(q, 7));
		json_key(j, "next_attempt"); json_time(j, sqlite3_column_int64(q, 8));
		json_key(j, "last_code"); json_int(j, sqlite3_column_int64(q, 9));
		json_key(j, "last_reply"); json_str(j, view_col(q, 10));
		json_key(j, "last_error"); json_str(j, view_col(q, 11));
		json_key(j, "message_id"); json_str(j, store_col_text(q, 12));
		json_key(j, "sha256"); json_str(j, store_col_text(q, 13));
		json_key(j, "language"); json_str(j, store_col_text(q, 14));
		/* The evidence records of its every answer (noshowctl evidence list). */
		json_key(j, "evidence");
		json_arr(j);
		for (const char *p = store_col_text(q, 15); *p;) {
			char *end;

			json_int(j, strtoll(p, &end, 10));
			p = *end ? end + 1 : end;
		}
		json_arr_end(j);
		/* What the delivery reports say (null: none came). */
		json_key(j, "delivery"); json_str(j, view_col(q, 16));
		json_key(j, "delivery_at"); json_time(j, sqlite3_column_int64(q, 17));
		json_key(j, "delivery_status"); json_str(j, view_col(q, 18));
		json_key(j, "delivery_diagnostic"); json_str(j, view_col(q, 19));
		json_obj_end(j);
	} else {
		char when[32], dwhen[32];
		const char *reply = *store_col_text(q, 11) ? store_col_text(q, 11) :
		    store_col_text(q, 10);

		view_short_time(v, sqlite3_column_int64(q, 7) ? sqlite3_column_int64(q, 7) :
		    sqlite3_column_int64(q, 6), when);
		fprintf(v->out, "%5lld  %-10s  %-18s  %-8s  %-16s  %s%s%s%s%s%s\n",
		    (long long)sqlite3_column_int64(q, 0), store_col_text(q, 1),
		    store_col_text(q, 2), store_col_text(q, 4), when, store_col_text(q, 3),
		    *reply ? ": " : "", reply, *store_col_text(q, 15) ? "  [evidence " : "",
		    store_col_text(q, 15), *store_col_text(q, 15) ? "]" : "");
		if (sqlite3_column_type(q, 16) != SQLITE_NULL) {
			view_short_time(v, sqlite3_column_int64(q, 17), dwhen);
			fprintf(v->out, "       %s %s%s%s%s%.200s\n", strcmp(store_col_text(q, 16),
			    "failed") == 0 ? "NOT DELIVERED" : store_col_text(q, 16), dwhen,
			    *store_col_text(q, 18) ? " " : "", store_col_text(q, 18),
			    *store_col_text(q, 19) ? ": " : "", store_col_text(q, 19));
		}
	}
}

/* The log's last record and its last checkpoint: in status, as an object or a line. */
static void
view_last_evidence(struct view *v, struct json *j)
{
	sqlite3_stmt *q = store_q(v->s, "SELECT seq, at_ms, event, (SELECT max(at_ms) FROM "
	    "evidence WHERE event = 'checkpoint') FROM evidence ORDER BY seq DESC LIMIT 1", "");
	int have = store_step(v->s, q) > 0;
	char at[32] = "", cp[32] = "";

	if (have) {
		evidence_time(sqlite3_column_int64(q, 1), at);
		if (sqlite3_column_type(q, 3) != SQLITE_NULL)
			evidence_time(sqlite3_column_int64(q, 3), cp);
	}
	if (j != NULL && !have) {
		json_null(j);
	} else if (j != NULL) {
		json_obj(j);
		json_key(j, "seq"); json_int(j, sqlite3_column_int64(q, 0));
		json_key(j, "at"); json_str(j, at);
		json_key(j, "event"); json_str(j, store_col_text(q, 2));
		json_key(j, "last_checkpoint"); json_str(j, cp[0] ? cp : NULL);
		json_obj_end(j);
	} else if (have) {
		fprintf(v->out, "evidence:         %lld records, the last %s (%s); last checkpoint "
		    "%s\n", (long long)sqlite3_column_int64(q, 0), at, store_col_text(q, 2),
		    cp[0] ? cp : "none yet");
	} else {
		fprintf(v->out, "evidence:         no records yet\n");
	}
	if (have)
		sqlite3_reset(q);
}

static const char message_header[] =
    "   ID  REF         KIND                STATE     WHEN              TO: LAST ANSWER\n";

int
view_outbox(struct view *v, int failed_only)
{
	sqlite3_stmt *q = store_q(v->s, "SELECT " MESSAGE_COLS " FROM outbox o LEFT JOIN "
	    "bookings b ON b.id = o.booking_id WHERE (? AND o.state = 'failed') OR (NOT ? AND "
	    "o.state <> 'sent') ORDER BY o.id", "dd", failed_only, failed_only);
	struct json j;

	json_init(&j, v->out, v->c->timezone);
	if (v->json)
		json_arr(&j);
	else
		fputs(message_header, v->out);
	while (store_step(v->s, q) > 0)
		view_message(v, &j, q);
	if (v->json) {
		json_arr_end(&j);
		json_end(&j);
	}
	return v->s->failed ? -1 : 0;
}

static void
view_booking_messages(struct view *v, struct json *j, long long booking_id)
{
	sqlite3_stmt *q = store_q(v->s, "SELECT " MESSAGE_COLS " FROM outbox o JOIN bookings b "
	    "ON b.id = o.booking_id WHERE o.booking_id = ? ORDER BY o.id", "i",
	    (int64_t)booking_id);

	if (v->json) {
		json_key(j, "messages");
		json_arr(j);
	} else {
		fprintf(v->out, "\nmessages:\n");
		fputs(message_header, v->out);
	}
	while (store_step(v->s, q) > 0)
		view_message(v, j, q);
	if (v->json)
		json_arr_end(j);
}

int
view_show(struct view *v, const char *ref)
{
	sqlite3_stmt *q = store_q(v->s, "SELECT " BOOKING_COLS ", x.title, x.start, x.end, "
	    "c.company, c.vat, c.standing FROM bookings b JOIN sessions x ON x.id = b.session_id "
	    "JOIN customers c ON c.email = b.email WHERE b.ref = ?", "t", ref);
	struct json j;
	long long id;

	if (store_step(v->s, q) <= 0) {
		fprintf(stderr, "noshowctl: show: no booking with reference \"%s\"\n", ref);
		return -1;
	}
	id = sqlite3_column_int64(q, 0);
	json_init(&j, v->out, v->c->timezone);
	if (v->json) {
		json_obj(&j);
		json_key(&j, "booking");
		view_booking_json(&j, q);
		json_key(&j, "customer");
		json_obj(&j);
		json_key(&j, "email"); json_str(&j, store_col_text(q, 3));
		json_key(&j, "company");
		json_str(&j, view_col(q, 17));
		json_key(&j, "vat");
		json_str(&j, view_col(q, 18));
		json_key(&j, "standing"); json_str(&j, store_col_text(q, 19));
		json_obj_end(&j);
		json_key(&j, "session_title"); json_str(&j, store_col_text(q, 14));
		json_key(&j, "session_start"); json_time(&j, sqlite3_column_int64(q, 15));
	} else {
		char booked[32], pay_by[32], start[32], due[32], paid[32], bal[32];
		int64_t d = sqlite3_column_int64(q, 8), p = sqlite3_column_int64(q, 9);

		view_time(v, sqlite3_column_int64(q, 6), booked);
		view_time(v, sqlite3_column_int64(q, 7), pay_by);
		view_time(v, sqlite3_column_int64(q, 15), start);
		money_format_plain(d, due);
		money_format_plain(p, paid);
		money_format_plain(d - p, bal);
		fprintf(v->out, "booking %s: %s%s\n", store_col_text(q, 1), store_col_text(q, 5),
		    sqlite3_column_int(q, 11) ? " (missing from its source)" : "");
		fprintf(v->out, "customer:  %s <%s>%s%s, standing %s\n", store_col_text(q, 4),
		    store_col_text(q, 3), *store_col_text(q, 17) ? ", " : "",
		    store_col_text(q, 17), store_col_text(q, 19));
		fprintf(v->out, "session:   %s \"%s\" at %s\n", store_col_text(q, 2),
		    store_col_text(q, 14), start);
		fprintf(v->out, "booked at: %s (source %s)\n", booked, store_col_text(q, 13));
		fprintf(v->out, "pay by:    %s\n", pay_by);
		fprintf(v->out, "amounts:   due %s, paid %s, balance %s, dunning stage %lld\n",
		    due, paid, bal, (long long)sqlite3_column_int64(q, 10));
	}
	sqlite3_reset(q);
	view_payments(v, &j, id);
	view_events(v, &j, id);
	view_booking_messages(v, &j, id);
	if (v->json) {
		json_obj_end(&j);
		json_end(&j);
	}
	return v->s->failed ? -1 : 0;
}

static void
view_sources_status(struct view *v, struct json *j)
{
	if (v->json) {
		json_key(j, "sources");
		json_arr(j);
	} else {
		fprintf(v->out, "sources:\n");
	}
	for (size_t i = 0; i < v->c->nsources; i++) {
		const struct config_source *src = &v->c->sources[i];
		sqlite3_stmt *q = store_q(v->s, "SELECT result, last_poll, last_ok, error, "
		    "warnings, quarantine_body IS NOT NULL FROM sources WHERE name = ?", "t",
		    src->name);
		int have = store_step(v->s, q) > 0;
		const char *result = have ? store_col_text(q, 0) : "never";

		if (v->json) {
			json_obj(j);
			json_key(j, "name"); json_str(j, src->name);
			json_key(j, "url"); json_str(j, src->url);
			json_key(j, "result"); json_str(j, result);
			json_key(j, "last_poll"); json_time(j, have ? sqlite3_column_int64(q, 1) : 0);
			json_key(j, "last_ok"); json_time(j, have ? sqlite3_column_int64(q, 2) : 0);
			json_key(j, "error");
			json_str(j, have ? view_col(q, 3) : NULL);
			json_key(j, "warnings");
			json_arr(j);
			if (have && sqlite3_column_type(q, 4) != SQLITE_NULL) {
				char *w = strdup(store_col_text(q, 4)), *save = NULL;

				for (char *l = strtok_r(w, "\n", &save); l;
				    l = strtok_r(NULL, "\n", &save))
					json_str(j, l);
				free(w);
			}
			json_arr_end(j);
			json_key(j, "quarantined"); json_bool(j, have && sqlite3_column_int(q, 5));
			json_obj_end(j);
		} else {
			char last[32];

			view_short_time(v, have ? sqlite3_column_int64(q, 1) : 0, last);
			fprintf(v->out, "  %-16s %-12s last poll %s%s%s\n", src->name, result, last,
			    have && *store_col_text(q, 3) ? ": " : "",
			    have ? store_col_text(q, 3) : "");
			if (have && *store_col_text(q, 4))
				fprintf(v->out, "    warnings:\n      %s\n", store_col_text(q, 4));
		}
		if (have)
			sqlite3_reset(q);
	}
	if (v->json)
		json_arr_end(j);
}

int
view_status(struct view *v)
{
	struct json j;
	char now[32];
	int64_t pending = store_int(v->s, 0, "SELECT count(*) FROM bookings WHERE "
	    "state = 'pending'", "");
	int64_t pending_amount = store_int(v->s, 0, "SELECT sum(amount_due - amount_paid) FROM "
	    "bookings WHERE state = 'pending'", "");
	int64_t open_balance = store_int(v->s, 0, "SELECT sum(amount_due - amount_paid) FROM "
	    "bookings WHERE amount_due > amount_paid", "");
	int64_t missing = store_int(v->s, 0, "SELECT count(*) FROM bookings WHERE missing = 1 "
	    "AND state IN ('waitlisted', 'pending', 'confirmed')", "");
	int64_t waitlisted = store_int(v->s, 0, "SELECT count(*) FROM bookings WHERE "
	    "state = 'waitlisted'", "");
	int64_t waiting = store_int(v->s, 0, "SELECT count(*) FROM outbox WHERE "
	    OUTBOX_UNSENT, "");
	int64_t failed = store_int(v->s, 0, "SELECT count(*) FROM outbox WHERE state = 'failed'",
	    "");
	int64_t sent = store_int(v->s, 0, "SELECT count(*) FROM outbox WHERE state = 'sent'", "");
	sqlite3_stmt *q;

	view_time(v, v->now, now);
	json_init(&j, v->out, v->c->timezone);
	if (v->json) {
		json_obj(&j);
		json_key(&j, "now"); json_time(&j, v->now);
		json_key(&j, "database"); json_str(&j, v->c->database);
	} else {
		fprintf(v->out, "noshowd status at %s (database %s)\n", now, v->c->database);
	}
	view_sources_status(v, &j);
	q = store_q(v->s, "SELECT " SESSION_COLS " FROM sessions x WHERE x.end > ? "
	    "ORDER BY x.start, x.id LIMIT 20", "i", (int64_t)v->now);
	if (v->json) {
		json_key(&j, "upcoming");
		json_arr(&j);
	} else {
		fprintf(v->out, "\nupcoming sessions:\n");
		view_session_header(v);
	}
	while (store_step(v->s, q) > 0) {
		if (v->json)
			view_session_json(&j, q);
		else
			view_session_text(v, q);
	}
	if (v->json) {
		json_arr_end(&j);
		json_key(&j, "pending"); json_int(&j, pending);
		json_key(&j, "pending_amount"); json_int(&j, pending_amount);
		json_key(&j, "open_balance"); json_int(&j, open_balance);
		json_key(&j, "waitlisted"); json_int(&j, waitlisted);
		json_key(&j, "missing"); json_int(&j, missing);
		view_money_status(v, &j);
		json_key(&j, "outbox");
		json_obj(&j);
		json_key(&j, "waiting"); json_int(&j, waiting);
		json_key(&j, "failed"); json_int(&j, failed);
		json_key(&j, "sent"); json_int(&j, sent);
		json_key(&j, "next_attempt"); json_time(&j, outbox_next_due(v->s));
		json_obj_end(&j);
		json_key(&j, "last_evidence");
		view_last_evidence(v, &j);
		view_bounced(v, &j);
		json_obj_end(&j);
		json_end(&j);
	} else {
		char pa[32], ob[32];

		money_format_plain(pending_amount, pa);
		money_format_plain(open_balance, ob);
		fprintf(v->out, "\npending payments: %lld (%s)\n", (long long)pending, pa);
		fprintf(v->out, "open balances:    %s\n", ob);
		fprintf(v->out, "waiting list:     %lld\n", (long long)waitlisted);
		fprintf(v->out, "missing from their source: %lld%s\n", (long long)missing,
		    missing ? " (see noshowctl bookings; they stand until you act)" : "");
		fprintf(v->out, "outbox:           %lld waiting, %lld failed, %lld sent%s\n",
		    (long long)waiting, (long long)failed, (long long)sent,
		    failed ? " (see noshowctl outbox --failed)" : "");
		view_last_evidence(v, NULL);
		view_bounced(v, &j);
		view_money_status(v, &j);
	}
	return v->s->failed ? -1 : 0;
}
