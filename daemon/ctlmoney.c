/*
 * noshowctl's money commands and imports: pay, waive, release, import payments, import
 * attendance. Each is one transaction that records the change and then lets the policy
 * look at once (duties_run), so a command applies the same rules as the daemon.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attendance.h"
#include "bank.h"
#include "compose.h"
#include "ctl.h"
#include "days.h"
#include "duties.h"
#include "json.h"
#include "money.h"
#include "payments.h"
#include "policy.h"
#include "util.h"
#include "zoom.h"

/* The formats `import payments` tries, in order, when --format is not given. */
static const char *const import_formats[] = { "ing", "rabobank", "abnamro", "bunq", NULL };

/*
 * An amount from the command line: "295", "295.00", "295,00" (a decimal comma is what a
 * Dutch keyboard gives), "-50.00" for money paid back.
 */
static int
ctl_amount(const char *text, int64_t *cents)
{
	char buf[64];
	int neg = text[0] == '-';
	char *comma;

	if (strlen(text) >= sizeof(buf))
		return -1;
	snprintf(buf, sizeof(buf), "%s", text + neg);
	if ((comma = strchr(buf, ',')) != NULL && strchr(buf, '.') == NULL)
		*comma = '.';
	if (money_parse(buf, cents) < 0 || *cents == 0)
		return -1;
	if (neg)
		*cents = -*cents;
	return 0;
}

/* "#12" or "#12 ..." names unmatched bank payment 12, as `status` lists it. */
static int64_t
ctl_note_credit(const char *note)
{
	char *end;
	long long id;

	if (note == NULL || note[0] != '#')
		return 0;
	id = strtoll(note + 1, &end, 10);
	if (end == note + 1 || (*end != '\0' && *end != ' ') || id <= 0)
		return 0;
	return id;
}

int
cmd_pay(struct ctl *x, int argc, char **argv)
{
	int missing = 0, rc;
	const char *at_text = opt_value(&argc, argv, "--at", &missing);
	const char *note = opt_value(&argc, argv, "--note", &missing);
	char err[ERR_MAX], text[32];
	time_t at = x->v.now;
	int64_t id, amount;

	if (missing)
		return usage_error("--at and --note need a value");
	if ((rc = opt_leftover(argc, argv)) != 0)
		return rc;
	if (argc != 3)
		return usage_error("pay needs REF and AMOUNT");
	if (ctl_amount(argv[2], &amount) < 0)
		return usage_error("pay: \"%s\" is not an amount (like 295.00, or -50.00 for a "
		    "refund)", argv[2]);
	if (at_text != NULL && days_parse_iso(at_text, x->c.timezone, &at) < 0)
		return usage_error("pay: --at \"%s\" is not a moment (like 2027-01-04 or "
		    "2027-01-04T09:00)", at_text);
	if (note != NULL && !utf8_valid(note, strlen(note), NULL))
		return usage_error("pay: --note must be UTF-8 text");
	if ((id = ctl_booking(x, "pay", argv[1])) <= 0)
		return 1;
	if (store_begin(&x->s) < 0)
		return 1;
	if (payments_pay(&x->s, &x->c, id, amount, at, x->v.now, "command pay", note,
	    ctl_note_credit(note), err) < 0 || duties_run(&x->s, &x->c, x->v.now, id) < 0) {
		store_rollback(&x->s);
		fprintf(stderr, "noshowctl: pay: %s\n", x->s.failed ? x->s.error : err);
		return 1;
	}
	if (store_commit(&x->s) < 0) {
		fprintf(stderr, "noshowctl: pay: %s\n", x->s.error);
		return 1;
	}
	money_format_plain(amount, text);
	if (!x->v.json)
		printf("%s %s recorded for %s\n", amount > 0 ? "payment of" : "refund of",
		    text + (amount < 0), argv[1]);
	view_booking_line(&x->v, id);
	return 0;
}

int
cmd_release(struct ctl *x, int argc, char **argv)
{
	int64_t id;
	char *state;
	int rc;

	if ((rc = opt_leftover(argc, argv)) != 0)
		return rc;
	if (argc != 2)
		return usage_error("release needs one reference");
	if ((id = ctl_booking(x, "release", argv[1])) <= 0)
		return 1;
	if (store_begin(&x->s) < 0)
		return 1;
	state = store_text(&x->s, "SELECT state FROM bookings WHERE id = ?", "i", id);
	if (state == NULL || (strcmp(state, "pending") != 0 && strcmp(state, "confirmed") != 0)) {
		fprintf(stderr, "noshowctl: release: %s is %s: only a pending or confirmed "
		    "booking holds a seat to release\n", argv[1], state ? state : "gone");
		free(state);
		store_rollback(&x->s);
		return 1;
	}
	free(state);
	if (duties_release(&x->s, &x->c, id, x->v.now, "command release",
	    "released by hand") < 0 || duties_run(&x->s, &x->c, x->v.now, 0) < 0 ||
	    store_commit(&x->s) < 0) {
		fprintf(stderr, "noshowctl: release: %s\n", x->s.error);
		store_rollback(&x->s);
		return 1;
	}
	if (!x->v.json)
		printf("released %s\n", argv[1]);
	view_booking_line(&x->v, id);
	return 0;
}

/*
 * A free extra (waive --extra WHAT --amount A): given with the booking, so nothing owed
 * changes, but its value is goodwill like any other and the customer is told it.
 */
static int
waive_extra(struct ctl *x, int64_t id, const char *what, int64_t amount, const char *reason)
{
	char *text = xasprintf("%s: %s", what, reason);

	store_exec(&x->s, "INSERT INTO goodwill (booking_id, at, kind, value, reason) VALUES "
	    "(?, ?, 'extra', ?, ?)", "iiit", id, (int64_t)x->v.now, amount, text);
	store_event(&x->s, x->v.now, id, NULL, "command waive", "extra", NULL, what, reason);
	free(text);
	return compose_goodwill(&x->s, &x->c, id, COURTESY_EXTRA, amount, reason, what,
	    x->v.now);
}

int
cmd_waive(struct ctl *x, int argc, char **argv)
{
	int missing = 0, rc;
	const char *amount_text = opt_value(&argc, argv, "--amount", &missing);
	const char *reason = opt_value(&argc, argv, "--reason", &missing);
	const char *extra = opt_value(&argc, argv, "--extra", &missing);
	char text[32];
	int64_t id, amount = 0, balance;

	if (missing)
		return usage_error("--amount, --reason and --extra need a value");
	if ((rc = opt_leftover(argc, argv)) != 0)
		return rc;
	if (argc != 2)
		return usage_error("waive needs one reference");
	if (reason == NULL || *reason == '\0' || !ctl_text_ok(reason, 0))
		return usage_error("waive: --reason TEXT is required (one line of UTF-8): the "
		    "customer's message states it");
	if (extra != NULL && (*extra == '\0' || !ctl_text_ok(extra, 0)))
		return usage_error("waive: --extra names what is given free, on one line");
	if (amount_text != NULL && (ctl_amount(amount_text, &amount) < 0 || amount <= 0))
		return usage_error("waive: --amount \"%s\" is not an amount (like 147.50)",
		    amount_text);
	if (extra != NULL && amount_text == NULL)
		return usage_error("waive: --extra needs --amount, its value: every courtesy is "
		    "recorded with its value");
	if ((id = ctl_booking(x, "waive", argv[1])) <= 0 || store_begin(&x->s) < 0)
		return 1;
	if (extra != NULL) {
		rc = waive_extra(x, id, extra, amount, reason);
		goto commit;
	}
	balance = store_int(&x->s, 0, "SELECT amount_due - amount_paid FROM bookings WHERE "
	    "id = ?", "i", id);
	if (amount == 0)
		amount = balance;
	if (balance <= 0 || amount > balance) {
		store_rollback(&x->s);
		money_format_plain(balance > 0 ? balance : 0, text);
		fprintf(stderr, "noshowctl: waive: %s has %s open; only what is owed can be "
		    "waived (a free extra: --extra WHAT --amount VALUE)\n", argv[1], text);
		return 1;
	}
	money_format_plain(amount, text);
	store_exec(&x->s, "UPDATE bookings SET amount_due = amount_due - ?, due_at = 0 WHERE "
	    "id = ?", "ii", amount, id);
	store_exec(&x->s, "INSERT INTO goodwill (booking_id, at, kind, value, reason) VALUES "
	    "(?, ?, 'waiver', ?, ?)", "iiit", id, (int64_t)x->v.now, amount, reason);
	store_event(&x->s, x->v.now, id, NULL, "command waive", "waived", NULL, text, reason);
	rc = compose_goodwill(&x->s, &x->c, id, COURTESY_WAIVER, amount, reason, NULL,
	    x->v.now);
commit:
	if (rc < 0 || duties_run(&x->s, &x->c, x->v.now, id) < 0 || store_commit(&x->s) < 0) {
		store_rollback(&x->s);
		fprintf(stderr, "noshowctl: waive: %s\n", x->s.error);
		return 1;
	}
	money_format_plain(amount, text);
	if (!x->v.json)
		printf("%s %s %s of %s\n", extra ? "gave" : "waived", extra ? extra : text,
		    extra ? "free" : "", argv[1]);
	view_booking_line(&x->v, id);
	return 0;
}

/* Parse a statement in `format`, or try the known formats in turn. */
static int
ctl_parse_statement(struct ctl *x, const char *data, size_t len, const char *format,
    const char *name, struct bank_statement *st, const char **used, char err[])
{
	char first[ERR_MAX];

	if (format != NULL) {
		*used = format;
		return bank_parse(data, len, format, NULL, x->c.timezone, name, st, err);
	}
	for (size_t i = 0; import_formats[i] != NULL; i++) {
		if (bank_parse(data, len, import_formats[i], NULL, x->c.timezone, name, st,
		    i == 0 ? first : err) == 0) {
			*used = import_formats[i];
			return 0;
		}
	}
	return errf(err, "%s: not an export this version reads (ing, rabobank, abnamro, "
	    "bunq); name the bank with --format (as ing: %s)", name, first);
}

static int
ctl_import_payments(struct ctl *x, const char *path, const char *format)
{
	struct bank_statement st;
	struct payments_counts n;
	char err[ERR_MAX], summary[256], *data, *origin;
	const char *used = NULL;
	size_t len;
	int rc = 1;

	if ((data = read_file(path, 64u << 20, &len, err)) == NULL) {
		fprintf(stderr, "noshowctl: import payments: %s\n", err);
		return 1;
	}
	if (ctl_parse_statement(x, data, len, format, path, &st, &used, err) < 0) {
		fprintf(stderr, "noshowctl: import payments: %s\n", err);
		free(data);
		return 1;
	}
	origin = xasprintf("import %s", path);
	if (store_begin(&x->s) == 0 &&
	    payments_import(&x->s, &x->c, &st, origin, x->v.now, &n) == 0 &&
	    duties_run(&x->s, &x->c, x->v.now, 0) >= 0 && store_commit(&x->s) == 0) {
		payments_summary(&n, summary, sizeof(summary));
		if (x->v.json)
			printf("{\"format\":\"%s\",\"applied\":%d,\"unmatched\":%d,"
			    "\"near_miss\":%d,\"duplicate\":%d,\"debits\":%d}\n", used, n.applied,
			    n.unmatched, n.near_miss, n.duplicate, n.debits);
		else
			printf("%s (%s): %s\n", path, used, summary);
		rc = 0;
	} else {
		store_rollback(&x->s);
		fprintf(stderr, "noshowctl: import payments: %s\n", x->s.error);
	}
	free(origin);
	bank_statement_release(&st);
	free(data);
	return rc;
}

static int
ctl_import_attendance(struct ctl *x, const char *path, const char *session_arg)
{
	struct zoom_report r;
	struct attendance_counts n;
	char err[ERR_MAX], *data, *session = NULL;
	size_t len;
	int rc = 1;

	if ((data = read_file(path, 16u << 20, &len, err)) == NULL) {
		fprintf(stderr, "noshowctl: import attendance: %s\n", err);
		return 1;
	}
	if (zoom_parse(data, len, x->c.timezone, path, &r, err) < 0) {
		fprintf(stderr, "noshowctl: import attendance: %s\n", err);
		free(data);
		return 1;
	}
	free(data);
	if (session_arg != NULL && (session = ctl_session(x, session_arg)) == NULL) {
		zoom_report_release(&r);
		return 1;
	}
	if (store_begin(&x->s) < 0)
		goto out;
	if (attendance_import(&x->s, &x->c, &r, session, x->v.now, "command import attendance",
	    &n, err) < 0 || duties_run(&x->s, &x->c, x->v.now, 0) < 0) {
		store_rollback(&x->s);
		fprintf(stderr, "noshowctl: import attendance: %s: %s\n", path,
		    *err ? err : x->s.error);
		goto out;
	}
	if (store_commit(&x->s) < 0) {
		fprintf(stderr, "noshowctl: import attendance: %s\n", x->s.error);
		goto out;
	}
	if (x->v.json) {
		struct json j;

		json_init(&j, stdout, x->c.timezone);
		json_obj(&j);
		json_key(&j, "session"); json_str(&j, n.session);
		json_key(&j, "present"); json_int(&j, n.present);
		json_key(&j, "too_short"); json_int(&j, n.too_short);
		json_key(&j, "not_booked"); json_int(&j, n.not_booked);
		json_obj_end(&j);
		json_end(&j);
	} else
		printf("%s: session %s: %d present, %d too short (under attend_min), %d not "
		    "booked\n", path, n.session, n.present, n.too_short, n.not_booked);
	rc = 0;
out:
	zoom_report_release(&r);
	free(session);
	return rc;
}

int
cmd_import(struct ctl *x, int argc, char **argv)
{
	int missing = 0, rc;
	const char *format = opt_value(&argc, argv, "--format", &missing);
	const char *session = opt_value(&argc, argv, "--session", &missing);

	if (missing)
		return usage_error("--format and --session need a value");
	if ((rc = opt_leftover(argc, argv)) != 0)
		return rc;
	if (argc != 3)
		return usage_error("usage: import payments FILE [--format F] | import attendance "
		    "FILE [--session S]");
	if (strcmp(argv[1], "payments") == 0) {
		if (session != NULL)
			return usage_error("import payments takes --format, not --session");
		if (format != NULL && !bank_format_known(format))
			return usage_error("import payments: --format \"%s\" is not one of ing, "
			    "rabobank, abnamro, bunq", format);
		if (format != NULL && strcmp(format, "generic") == 0)
			return usage_error("import payments: the generic format needs a column "
			    "mapping: configure a payments-csv source instead");
		return ctl_import_payments(x, argv[2], format);
	}
	if (strcmp(argv[1], "attendance") == 0) {
		if (format != NULL)
			return usage_error("import attendance takes --session, not --format");
		return ctl_import_attendance(x, argv[2], session);
	}
	return usage_error("import: \"%s\" is neither payments nor attendance", argv[1]);
}
