/*
 * noshowctl's commands about a booking's course and its customer: cancel, attend, noshow,
 * customer. Each is one transaction that records the change and lets the policy look at
 * once (duties_run), so a command applies the same rules as the daemon.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attendance.h"
#include "cancel.h"
#include "ctl.h"
#include "days.h"
#include "duties.h"
#include "seats.h"
#include "json.h"
#include "move.h"
#include "money.h"
#include "policy.h"
#include "util.h"

/* Give the seat booking `id` held to its session's waiting list. */
static int
ctl_fill(struct ctl *x, int64_t id)
{
	char *session = store_text(&x->s, "SELECT session_id FROM bookings WHERE id = ?", "i",
	    id);
	int rc = session ? seats_fill(&x->s, &x->c, session, x->v.now, "policy waitlist") : -1;

	free(session);
	return rc < 0 ? -1 : 0;
}

int
cmd_cancel(struct ctl *x, int argc, char **argv)
{
	int missing = 0, done = 0, rc;
	const char *at_text = opt_value(&argc, argv, "--at", &missing);
	time_t at = x->v.now;
	int64_t id;

	if (missing)
		return usage_error("--at needs a moment");
	if ((rc = opt_leftover(argc, argv)) != 0)
		return rc;
	if (argc != 2)
		return usage_error("cancel needs one reference");
	if (at_text != NULL && days_parse_iso(at_text, x->c.timezone, &at) < 0)
		return usage_error("cancel: --at \"%s\" is not a moment (like 2027-01-04T09:00)",
		    at_text);
	if (at > x->v.now)
		return usage_error("cancel: --at is in the future");
	if ((id = ctl_booking(x, "cancel", argv[1])) <= 0 || store_begin(&x->s) < 0)
		return 1;
	if (cancel_booking(&x->s, &x->c, id, at, x->v.now, "command cancel", &done) < 0 ||
	    (done && ctl_fill(x, id) < 0) || duties_run(&x->s, &x->c, x->v.now, 0) < 0) {
		store_rollback(&x->s);
		fprintf(stderr, "noshowctl: cancel: %s\n", x->s.error);
		return 1;
	}
	if (!done) {
		char *st = store_text(&x->s, "SELECT state FROM bookings WHERE id = ?", "i", id);

		store_rollback(&x->s);
		fprintf(stderr, "noshowctl: cancel: %s is %s: only a waitlisted, pending or "
		    "confirmed booking can be cancelled\n", argv[1], st ? st : "gone");
		free(st);
		return 1;
	}
	if (store_commit(&x->s) < 0) {
		fprintf(stderr, "noshowctl: cancel: %s\n", x->s.error);
		return 1;
	}
	if (!x->v.json)
		printf("cancelled %s\n", argv[1]);
	view_booking_line(&x->v, id);
	return 0;
}

/* attend REF... / noshow REF...: every booking marked, or none. */
static int
ctl_mark(struct ctl *x, int argc, char **argv, int present)
{
	const char *cmd = present ? "attend" : "noshow";
	char err[ERR_MAX];
	int64_t *ids;
	int rc;

	if ((rc = opt_leftover(argc, argv)) != 0)
		return rc;
	if (argc < 2)
		return usage_error("%s needs at least one reference", cmd);
	ids = xcalloc((size_t)argc, sizeof(*ids));
	for (int i = 1; i < argc; i++)
		if ((ids[i] = ctl_booking(x, cmd, argv[i])) <= 0) {
			free(ids);
			return 1;
		}
	rc = 1;
	if (store_begin(&x->s) < 0)
		goto out;
	for (int i = 1; i < argc; i++) {
		if (attendance_mark(&x->s, &x->c, ids[i], present, x->v.now, present ?
		    "command attend" : "command noshow", err) < 0) {
			store_rollback(&x->s);
			fprintf(stderr, "noshowctl: %s: %s\n", cmd, *err ? err : x->s.error);
			goto out;
		}
	}
	if (duties_run(&x->s, &x->c, x->v.now, 0) < 0 || store_commit(&x->s) < 0) {
		store_rollback(&x->s);
		fprintf(stderr, "noshowctl: %s: %s\n", cmd, x->s.error);
		goto out;
	}
	for (int i = 1; i < argc; i++) {
		if (!x->v.json)
			printf("%s %s\n", present ? "present:" : "absent:", argv[i]);
		view_booking_line(&x->v, ids[i]);
	}
	rc = 0;
out:
	free(ids);
	return rc;
}

int
cmd_attend(struct ctl *x, int argc, char **argv)
{
	return ctl_mark(x, argc, argv, 1);
}

int
cmd_noshow(struct ctl *x, int argc, char **argv)
{
	return ctl_mark(x, argc, argv, 0);
}

/* One customer's details, standing and record. */
static int
ctl_customer_show(struct ctl *x, const char *email)
{
	sqlite3_stmt *q = store_q(&x->s, "SELECT coalesce(c.name, ''), c.company, c.vat, "
	    "c.standing, c.standing_set, (SELECT count(*) FROM bookings b WHERE b.email = c.email), "
	    "(SELECT count(*) FROM bookings b WHERE b.email = c.email AND b.incident = 1), "
	    "(SELECT coalesce(sum(amount_due - amount_paid), 0) FROM bookings b WHERE "
	    "b.email = c.email AND amount_due > amount_paid), c.address FROM customers c "
	    "WHERE c.email = ?", "t", email);
	char bal[32];

	if (store_step(&x->s, q) <= 0)
		return -1;
	if (x->v.json) {
		struct json j;

		json_init(&j, stdout, x->c.timezone);
		json_obj(&j);
		json_key(&j, "email"); json_str(&j, email);
		json_key(&j, "name"); json_str(&j, store_col_text(q, 0));
		json_key(&j, "company");
		json_str(&j, sqlite3_column_type(q, 1) == SQLITE_NULL ? NULL : store_col_text(q, 1));
		json_key(&j, "vat");
		json_str(&j, sqlite3_column_type(q, 2) == SQLITE_NULL ? NULL : store_col_text(q, 2));
		json_key(&j, "address");
		json_str(&j, sqlite3_column_type(q, 8) == SQLITE_NULL ? NULL : store_col_text(q, 8));
		json_key(&j, "standing"); json_str(&j, store_col_text(q, 3));
		json_key(&j, "standing_set"); json_bool(&j, sqlite3_column_int(q, 4));
		json_key(&j, "bookings"); json_int(&j, sqlite3_column_int64(q, 5));
		json_key(&j, "incidents"); json_int(&j, sqlite3_column_int64(q, 6));
		json_key(&j, "open_balance"); json_int(&j, sqlite3_column_int64(q, 7));
		json_obj_end(&j);
		json_end(&j);
	} else {
		money_format_plain(sqlite3_column_int64(q, 7), bal);
		printf("customer:  %s <%s>\n", store_col_text(q, 0), email);
		if (*store_col_text(q, 1) || *store_col_text(q, 2))
			printf("business:  %s%s%s\n", store_col_text(q, 1),
			    *store_col_text(q, 2) ? ", VAT " : "", store_col_text(q, 2));
		if (*store_col_text(q, 8))
			printf("address:   %s\n", store_col_text(q, 8));
		printf("standing:  %s (%s)\n", store_col_text(q, 3), sqlite3_column_int(q, 4) ?
		    "set by hand" : "by incidents");
		printf("bookings:  %lld, incidents %lld, open balance %s\n",
		    (long long)sqlite3_column_int64(q, 5), (long long)sqlite3_column_int64(q, 6),
		    bal);
	}
	sqlite3_reset(q);
	return 0;
}

int
cmd_customer(struct ctl *x, int argc, char **argv)
{
	int missing = 0, rc, nset;
	int trust = opt_flag(&argc, argv, "--trust"), prepay = opt_flag(&argc, argv, "--prepay");
	int block = opt_flag(&argc, argv, "--block");
	const char *business = opt_value(&argc, argv, "--business", &missing);
	const char *vat = opt_value(&argc, argv, "--vat", &missing);
	const char *address = opt_value(&argc, argv, "--address", &missing);
	const char *standing = trust ? "trusted" : prepay ? "prepay" : block ? "blocked" : NULL;
	char *email;

	if (missing)
		return usage_error("--business, --vat and --address need a value");
	if ((rc = opt_leftover(argc, argv)) != 0)
		return rc;
	if (argc != 2)
		return usage_error("customer needs one EMAIL");
	if ((nset = trust + prepay + block) > 1)
		return usage_error("customer: give one of --trust, --prepay and --block");
	if (!ctl_text_ok(business, 0) || !ctl_text_ok(vat, 0) || !ctl_text_ok(address, 1))
		return usage_error("customer: --business, --vat and --address must be UTF-8 text "
		    "without control characters (an address may have line breaks)");
	email = str_lower(str_trim(xstrdup(argv[1])));
	if (store_int(&x->s, 0, "SELECT count(*) FROM customers WHERE email = ?", "t",
	    email) == 0) {
		fprintf(stderr, "noshowctl: customer: no customer %s (a customer exists once they "
		    "booked)\n", email);
		free(email);
		return 1;
	}
	rc = 1;
	if (store_begin(&x->s) < 0)
		goto out;
	if (standing != NULL)
		store_exec(&x->s, "UPDATE customers SET standing = ?, standing_set = 1 WHERE "
		    "email = ?", "tt", standing, email);
	if (business != NULL)
		store_exec(&x->s, "UPDATE customers SET company = nullif(?, '') WHERE email = ?",
		    "tt", business, email);
	if (vat != NULL)
		store_exec(&x->s, "UPDATE customers SET vat = nullif(?, '') WHERE email = ?", "tt",
		    vat, email);
	if (address != NULL)
		store_exec(&x->s, "UPDATE customers SET address = nullif(?, '') WHERE email = ?",
		    "tt", address, email);
	if (standing != NULL || business != NULL || vat != NULL || address != NULL)
		store_event(&x->s, x->v.now, 0, NULL, "command customer", "customer", NULL,
		    standing, email);
	if (store_commit(&x->s) < 0) {
		fprintf(stderr, "noshowctl: customer: %s\n", x->s.error);
		goto out;
	}
	rc = ctl_customer_show(x, email) < 0 ? 1 : 0;
out:
	free(email);
	return rc;
}

int
cmd_move(struct ctl *x, int argc, char **argv)
{
	char err[ERR_MAX], ref[REF_LEN + 1], *session;
	int64_t id, nid;
	int rc;

	if ((rc = opt_leftover(argc, argv)) != 0)
		return rc;
	if (argc != 3)
		return usage_error("move needs REF and SESSION");
	if ((id = ctl_booking(x, "move", argv[1])) <= 0 ||
	    (session = ctl_session(x, argv[2])) == NULL)
		return 1;
	rc = 1;
	if (store_begin(&x->s) < 0)
		goto out;
	if ((nid = move_booking(&x->s, &x->c, id, session, x->v.now, ref, err)) < 0 ||
	    duties_run(&x->s, &x->c, x->v.now, 0) < 0 || store_commit(&x->s) < 0) {
		store_rollback(&x->s);
		fprintf(stderr, "noshowctl: move: %s: %s\n", argv[1], *err ? err : x->s.error);
		goto out;
	}
	if (!x->v.json)
		printf("moved %s to %s as %s\n", argv[1], session, ref);
	view_booking_line(&x->v, nid);
	rc = 0;
out:
	free(session);
	return rc;
}
