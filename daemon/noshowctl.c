/*
 * noshowctl: the trainer's command line. Every command opens the same database as the
 * daemon, runs in one transaction, and applies the same rules (seats, policy). Exit status:
 * 0 success, 1 a failed command (the reason on stderr), 2 a usage error.
 */
#include <getopt.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "ctl.h"
#include "cycle.h"
#include "days.h"
#include "dkim.h"
#include "duties.h"
#include "export.h"
#include "feed.h"
#include "fetch.h"
#include "json.h"
#include "log.h"
#include "outbox.h"
#include "seats.h"
#include "poke.h"
#include "setup.h"
#include "store.h"
#include "util.h"
#include "view.h"

static const struct command commands[];

void
ctl_usage(FILE *f)
{
	fprintf(f, "usage: noshowctl [-c FILE] [--now TIME] [--json] COMMAND ...\n"
	    "commands:\n");
	for (const struct command *cmd = commands; cmd->name; cmd++)
		fprintf(f, "  %-15s %-34s %s\n", cmd->name, cmd->args, cmd->help);
}

static int
cmd_status(struct ctl *x, int argc, char **argv)
{
	int rc;

	if ((rc = opt_leftover(argc, argv)) != 0)
		return rc;
	if (argc != 1)
		return usage_error("status takes no arguments");
	return view_status(&x->v) < 0 ? 1 : 0;
}

static int
cmd_sessions(struct ctl *x, int argc, char **argv)
{
	int all = opt_flag(&argc, argv, "--all"), rc;

	if ((rc = opt_leftover(argc, argv)) != 0)
		return rc;
	if (argc != 1)
		return usage_error("sessions takes no arguments besides --all");
	return view_sessions(&x->v, all) < 0 ? 1 : 0;
}

static int
cmd_bookings(struct ctl *x, int argc, char **argv)
{
	int missing = 0, rc;
	const char *state = opt_value(&argc, argv, "--state", &missing);
	char *session = NULL;

	if (missing)
		return usage_error("--state needs a state");
	if ((rc = opt_leftover(argc, argv)) != 0)
		return rc;
	if (argc > 2)
		return usage_error("bookings takes at most one session");
	if (state != NULL && policy_state_parse(state) < 0)
		return usage_error("--state: \"%s\" is not a state (waitlisted, pending, "
		    "confirmed, released, cancelled, attended, no_show, refused)", state);
	if (argc == 2 && (session = ctl_session(x, argv[1])) == NULL)
		return 1;
	rc = view_bookings(&x->v, session, state) < 0 ? 1 : 0;
	free(session);
	return rc;
}

static int
cmd_show(struct ctl *x, int argc, char **argv)
{
	char ref[REF_LEN + 1];
	int rc;

	if ((rc = opt_leftover(argc, argv)) != 0)
		return rc;
	if (argc != 2)
		return usage_error("show needs one reference");
	switch (ref_parse(argv[1], ref)) {
	case REF_INVALID:
		fprintf(stderr, "noshowctl: show: \"%s\" is not a booking reference (like "
		    "NS-7KQ2-4D)\n", argv[1]);
		return 1;
	case REF_BADCHECK:
		fprintf(stderr, "noshowctl: show: \"%s\" has a wrong check character; "
		    "mistyped?\n", argv[1]);
		return 1;
	case REF_OK:
		break;
	}
	return view_show(&x->v, ref) < 0 ? 1 : 0;
}

static int
cmd_book(struct ctl *x, int argc, char **argv)
{
	int missing = 0, rc;
	const char *name = opt_value(&argc, argv, "--name", &missing);
	const char *company = opt_value(&argc, argv, "--company", &missing);
	struct seats_session ss;
	struct seats_person p;
	enum booking_state st;
	char *session, *email, *clean_name = NULL, *clean_company = NULL, ref[REF_LEN + 1];
	int64_t id;

	if (missing)
		return usage_error("--name and --company need a value");
	if ((rc = opt_leftover(argc, argv)) != 0)
		return rc;
	if (argc != 3)
		return usage_error("book needs SESSION and EMAIL");
	if ((name && !utf8_valid(name, strlen(name), NULL)) ||
	    (company && !utf8_valid(company, strlen(company), NULL))) {
		fprintf(stderr, "noshowctl: book: --name and --company must be UTF-8 text\n");
		return 1;
	}
	email = str_lower(str_trim(xstrdup(argv[2])));
	if (!email_valid(email)) {
		fprintf(stderr, "noshowctl: book: \"%s\" is not a mail address\n", argv[2]);
		free(email);
		return 1;
	}
	/* A session just added to the configuration can be booked before the next cycle. */
	if (cycle_sessions(&x->s, &x->c, x->v.now, 0, NULL) < 0 ||
	    (session = ctl_session(x, argv[1])) == NULL) {
		free(email);
		return 1;
	}
	rc = 1;
	if (store_begin(&x->s) < 0)
		goto out;
	if (store_int(&x->s, 0, "SELECT count(*) FROM bookings WHERE session_id = ? AND "
	    "email = ?", "tt", session, email) > 0) {
		char *have = store_text(&x->s, "SELECT ref || ' (' || state || ')' FROM bookings "
		    "WHERE session_id = ? AND email = ?", "tt", session, email);

		fprintf(stderr, "noshowctl: book: %s already has booking %s in %s\n", email,
		    have ? have : "?", session);
		free(have);
		store_rollback(&x->s);
		goto out;
	}
	seats_session_get(&x->s, session, &ss);
	if (ss.cancelled) {
		fprintf(stderr, "noshowctl: book: session %s is cancelled\n", session);
		store_rollback(&x->s);
		goto out;
	}
	clean_name = name ? feed_clean_text(name, 0) : NULL;
	clean_company = company ? feed_clean_text(company, 0) : NULL;
	memset(&p, 0, sizeof(p));
	p.email = email;
	p.name = clean_name;
	p.company = clean_company;
	id = seats_book(&x->s, &x->c, &ss, &p, "manual", 0, x->v.now, "command book", ref, &st);
	/* The policy schedules the new booking's reminder and release at once. */
	if (id < 0 || duties_run(&x->s, &x->c, x->v.now, id) < 0 || store_commit(&x->s) < 0) {
		fprintf(stderr, "noshowctl: book: %s\n", x->s.error);
		goto out;
	}
	if (!x->v.json)
		printf("booked %s: %s\n", ref, policy_state_name(st));
	view_booking_line(&x->v, id);
	rc = 0;
out:
	free(session), free(email), free(clean_name), free(clean_company);
	return rc;
}

static int
cmd_source(struct ctl *x, int argc, char **argv)
{
	char err[ERR_MAX];
	int rc;

	if ((rc = opt_leftover(argc, argv)) != 0)
		return rc;
	if (argc != 3 || strcmp(argv[1], "accept") != 0)
		return usage_error("usage: source accept NAME");
	fetch_global_init();
	if (cycle_accept(&x->s, &x->c, argv[2], x->v.now, x->v.json ? NULL : stdout, err) < 0) {
		fprintf(stderr, "noshowctl: source accept: %s\n", err);
		return 1;
	}
	if (x->v.json)
		printf("{\"accepted\":true}\n");
	return 0;
}

static int
cmd_outbox(struct ctl *x, int argc, char **argv)
{
	int failed = opt_flag(&argc, argv, "--failed"), rc;
	char err[ERR_MAX], *end;
	long long id;

	if ((rc = opt_leftover(argc, argv)) != 0)
		return rc;
	if (argc == 1)
		return view_outbox(&x->v, failed) < 0 ? 1 : 0;
	if (argc != 3 || strcmp(argv[1], "retry") != 0 || failed)
		return usage_error("usage: outbox [--failed] | outbox retry ID");
	id = strtoll(argv[2], &end, 10);
	if (*argv[2] == '\0' || *end != '\0' || id <= 0)
		return usage_error("outbox retry: \"%s\" is not a message id", argv[2]);
	if (outbox_retry(&x->s, id, x->v.now, err) < 0) {
		fprintf(stderr, "noshowctl: outbox retry: %s\n", err);
		return 1;
	}
	if (!x->v.json)
		printf("message %lld will be sent on the next cycle\n", id);
	else
		printf("{\"retry\":%lld}\n", id);
	return 0;
}

/* The first moment of the month of t, in zone. */
static time_t
ctl_month_start(time_t t, const char *zone)
{
	struct tm tm;
	time_t out = t;

	if (days_utc_to_local(t, zone, &tm) == 0)
		days_local_to_utc(tm.tm_year + 1900, tm.tm_mon + 1, 1, 0, 0, 0, zone, &out);
	return out;
}

static int
cmd_report(struct ctl *x, int argc, char **argv)
{
	int missing = 0, rc;
	const char *from_text = opt_value(&argc, argv, "--from", &missing);
	const char *to_text = opt_value(&argc, argv, "--to", &missing);
	time_t from = ctl_month_start(x->v.now, x->c.timezone), to = x->v.now;

	if (missing)
		return usage_error("--from and --to need a date");
	if ((rc = opt_leftover(argc, argv)) != 0)
		return rc;
	if (argc != 1)
		return usage_error("report takes no arguments besides --from and --to");
	if (from_text != NULL && days_parse_iso(from_text, x->c.timezone, &from) < 0)
		return usage_error("report: --from \"%s\" is not a date (like 2027-01-01)",
		    from_text);
	if (to_text != NULL && days_parse_iso(to_text, x->c.timezone, &to) < 0)
		return usage_error("report: --to \"%s\" is not a date (like 2027-02-01)", to_text);
	if (to <= from)
		return usage_error("report: --to must come after --from");
	return view_report(&x->v, from, to) < 0 ? 1 : 0;
}

static int
cmd_export(struct ctl *x, int argc, char **argv)
{
	int rc;

	if ((rc = opt_leftover(argc, argv)) != 0)
		return rc;
	if (argc != 2 || (strcmp(argv[1], "bookings") != 0 && strcmp(argv[1], "collection") != 0))
		return usage_error("usage: export bookings | export collection");
	rc = strcmp(argv[1], "bookings") == 0 ? export_bookings(&x->s, &x->c, stdout) :
	    export_collection(&x->s, &x->c, x->v.now, stdout);
	if (rc < 0 || fflush(stdout) != 0) {
		fprintf(stderr, "noshowctl: export %s: %s\n", argv[1], x->s.failed ? x->s.error :
		    "cannot write the output");
		return 1;
	}
	return 0;
}

static int
cmd_check_config(struct ctl *x, int argc, char **argv)
{
	int rc;

	if ((rc = opt_leftover(argc, argv)) != 0)
		return rc;
	if (argc != 1)
		return usage_error("check-config takes no arguments");
	if (dkim_check_config(&x->c, stdout, stderr) < 0)
		return 1;
	printf("%s: configuration OK\n", x->c.path);
	return 0;
}

static int
cmd_backup(struct ctl *x, int argc, char **argv)
{
	char err[ERR_MAX];
	int64_t pages = 0;
	struct stat st;
	int rc;

	if ((rc = opt_leftover(argc, argv)) != 0)
		return rc;
	if (argc != 2)
		return usage_error("usage: backup FILE");
	if (store_backup(&x->s, argv[1], &pages, err) < 0) {
		fprintf(stderr, "noshowctl: backup: %s\n", err);
		return 1;
	}
	if (stat(argv[1], &st) < 0)
		st.st_size = 0;
	if (x->v.json) {
		struct json j;

		json_init(&j, stdout, x->c.timezone);
		json_obj(&j);
		json_key(&j, "backup"); json_str(&j, argv[1]);
		json_key(&j, "pages"); json_int(&j, pages);
		json_key(&j, "bytes"); json_int(&j, (int64_t)st.st_size);
		json_key(&j, "evidence_dir"); json_str(&j, x->c.evidence_dir);
		json_obj_end(&j);
		json_end(&j);
		return 0;
	}
	printf("backup: %s: %lld pages, %lld bytes, checked\n", argv[1], (long long)pages,
	    (long long)st.st_size);
	if (x->c.evidence_dir != NULL)
		printf("backup: the evidence files in %s are not in it: copy them too (they never "
		    "change, so `rsync -a` or `cp -a` is enough)\n", x->c.evidence_dir);
	return 0;
}

static const struct command commands[] = {
	{ "status", "", "health at a glance", cmd_status, 1 },
	{ "sessions", "[--all]", "sessions with seats, paid and waiting list", cmd_sessions, 1 },
	{ "bookings", "[SESSION] [--state S]", "bookings, newest session first", cmd_bookings,
	    1 },
	{ "show", "REF", "one booking with its history", cmd_show, 1 },
	{ "book", "SESSION EMAIL [--name N] [--company C]", "a booking by hand", cmd_book, 1 },
	{ "pay", "REF AMOUNT [--at TIME] [--note TEXT]", "record a payment", cmd_pay, 1 },
	{ "release", "REF", "release a seat now", cmd_release, 1 },
	{ "waive", "REF [--amount A] [--extra WHAT] --reason TEXT",
	    "goodwill: waive what is owed, or give an extra", cmd_waive, 1 },
	{ "cancel", "REF [--at TIME]", "cancel under the policy", cmd_cancel, 1 },
	{ "move", "REF SESSION", "the free move to a later session", cmd_move, 1 },
	{ "attend", "REF...", "mark present", cmd_attend, 1 },
	{ "noshow", "REF...", "mark absent (the no-show fee is due)", cmd_noshow, 1 },
	{ "customer", "EMAIL [--trust|--prepay|--block] [--business N] [--vat V] [--address A]",
	    "standing and details", cmd_customer, 1 },
	{ "import", "payments FILE [--format F] | attendance FILE [--session S]",
	    "a bank statement, or a meeting's participant report", cmd_import, 1 },
	{ "report", "[--from D] [--to D]", "what a period brought", cmd_report, 1 },
	{ "export", "bookings | collection", "CSV for the bookkeeper or a collection agency",
	    cmd_export, 1 },
	{ "source", "accept NAME", "accept a quarantined poll", cmd_source, 1 },
	{ "outbox", "[--failed] | retry ID", "messages waiting or failed", cmd_outbox, 1 },
	{ "resend", "REF", "send a bounced dunning step again", cmd_resend, 1 },
	{ "evidence", "list [REF] | verify | export REF DIR", "the registered-mail evidence",
	    cmd_evidence, 1 },
	{ "backup", "FILE", "a consistent copy of the database", cmd_backup, 1 },
	{ "check-config", "", "check the configuration", cmd_check_config, 0 },
	{ NULL, NULL, NULL, NULL, 0 },
};

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "now", required_argument, NULL, 'N' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *now_text = NULL;
	const struct command *cmd;
	struct ctl x;
	int ch, rc;

	memset(&x, 0, sizeof(x));
	/* "+" stops at the command name, so its own options are left for it. */
	while ((ch = getopt_long(argc, argv, "+c:jh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c': x.config_path = optarg; break;
		case 'N': now_text = optarg; break;
		case 'j': x.v.json = 1; break;
		case 'h': ctl_usage(stdout); return 0;
		default: ctl_usage(stderr); return 2;
		}
	}
	if (optind >= argc) {
		ctl_usage(stderr);
		return 2;
	}
	for (cmd = commands; cmd->name; cmd++)
		if (strcmp(cmd->name, argv[optind]) == 0)
			break;
	if (cmd->name == NULL)
		return usage_error("unknown command \"%s\"", argv[optind]);
	/*
	 * A peer that closes a connection makes a write fail with EPIPE, never kill us:
	 * libcurl sends with MSG_NOSIGNAL, but a TLS library's own writes need not.
	 */
	signal(SIGPIPE, SIG_IGN);
	log_init("noshowctl", 0);
	if (setup_config(x.config_path, &x.c) < 0)
		return 1;
	if (setup_now(now_text, x.c.timezone, &x.v.now) < 0) {
		config_release(&x.c);
		return 2;
	}
	if (cmd->needs_store && setup_store(&x.c, &x.s) < 0) {
		config_release(&x.c);
		return 1;
	}
	x.v.s = &x.s;
	x.v.c = &x.c;
	x.v.out = stdout;
	rc = cmd->run(&x, argc - optind, argv + optind);
	if (cmd->needs_store) {
		/* A running service acts on what changed now, not at its next due moment. */
		if (sqlite3_total_changes(x.s.db) > 0)
			poke_send(x.c.database);
		store_close(&x.s);
	}
	config_release(&x.c);
	return rc;
}
