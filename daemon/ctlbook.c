/*
 * noshowctl's commands about one booking's course: cancel, attend, noshow. Each is one
 * transaction that records the change and lets the policy look at once (duties_run), so a
 * command applies the same rules as the daemon.
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
