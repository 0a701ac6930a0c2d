/*
 * Ingest against a real SQLite database in a temporary directory, with feeds built by hand:
 * admission and the waiting list, idempotent re-polls, cancellations, missing bookings,
 * the max_drop quarantine, and sessions cancelled by the trainer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "days.h"
#include "duties.h"
#include "money.h"
#include "ingest.h"
#include "policy.h"
#include "seats.h"
#include "store.h"
#include "util.h"
#include "unit.h"

static struct config c;
static struct config_source src;
static struct store s;
static char dir[64];
static time_t now;

static void
setup(void)
{
	char path[128], err[ERR_MAX];

	snprintf(dir, sizeof(dir), "/tmp/noshowd-ingest-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/test.db", dir);
	config_defaults(&c);
	/* Messages are composed with the shipped templates, into a maildir of the test. */
	free(c.mail.templates);
	c.mail.templates = xstrdup("conf/templates");
	free(c.mail.from);
	c.mail.from = xstrdup("trainer@example.nl");
	free(c.mail.maildir);
	c.mail.maildir = xasprintf("%s/maildir", dir);
	memset(&src, 0, sizeof(src));
	src.name = "feed";
	src.type = SOURCE_ICAL;
	ck_assert_msg(store_open(&s, path, err) == 0, "%s", err);
	ck_assert_int_eq(days_parse_iso("2026-11-23T10:00", "Europe/Amsterdam", &now), 0);
}

static void
teardown(void)
{
	char cmd[128];

	store_close(&s);
	config_release(&c);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static struct feed_session *
add_session(struct feed *f, const char *id, int capacity, const char *price)
{
	struct feed_session *fs = feed_add_session(f);

	fs->id = xstrdup(id);
	fs->title = xstrdup("Training");
	ck_assert_int_eq(days_parse_iso("2026-12-08T09:00", "Europe/Amsterdam", &fs->start), 0);
	fs->end = fs->start + 8 * 3600;
	fs->capacity = capacity;
	if (price)
		ck_assert_int_eq(money_parse(price, &fs->price), 0);
	return fs;
}

static void
add_booking(struct feed *f, const char *session, const char *email, int cancelled)
{
	struct feed_booking *b = feed_add_booking(f);

	b->session_id = xstrdup(session);
	b->email = xstrdup(email);
	b->name = xstrdup(email);
	b->cancelled = cancelled;
}

static enum ingest_outcome
apply(struct feed *f, int force, struct ingest_counts *n)
{
	enum ingest_outcome o;

	ck_assert_int_eq(store_begin(&s), 0);
	o = ingest_feed(&s, &c, &src, f, now, force, n);
	ck_assert_int_eq(store_commit(&s), 0);
	return o;
}

static char *
state_of(const char *email)
{
	return store_text(&s, "SELECT state FROM bookings WHERE email = ?", "t", email);
}

static void
assert_state(const char *email, const char *want)
{
	char *st = state_of(email);

	ck_assert_msg(st != NULL, "no booking for %s", email);
	ck_assert_msg(strcmp(st, want) == 0, "%s is %s, want %s", email, st, want);
	free(st);
}

static int64_t
events(void)
{
	return store_int(&s, 0, "SELECT count(*) FROM events", "");
}

/* Five people for three seats: three pending in feed order, two waitlisted. */
START_TEST(capacity_and_waitlist)
{
	struct feed f;
	struct ingest_counts n;

	feed_init(&f);
	add_session(&f, "s1", 3, "295.00");
	add_booking(&f, "s1", "a@example.nl", 0);
	add_booking(&f, "s1", "b@example.nl", 0);
	add_booking(&f, "s1", "c@example.nl", 0);
	add_booking(&f, "s1", "d@example.nl", 0);
	add_booking(&f, "s1", "e@example.nl", 0);
	ck_assert_int_eq(apply(&f, 0, &n), INGEST_APPLIED);
	ck_assert_int_eq(n.sessions_added, 1);
	ck_assert_int_eq(n.booked, 5);
	ck_assert_int_eq(n.waitlisted, 2);
	assert_state("a@example.nl", "pending");
	assert_state("c@example.nl", "pending");
	assert_state("d@example.nl", "waitlisted");
	assert_state("e@example.nl", "waitlisted");
	ck_assert_int_eq(store_int(&s, 0, "SELECT amount_due FROM bookings WHERE email = "
	    "'a@example.nl'", ""), 29500);
	ck_assert_int_eq(store_int(&s, 0, "SELECT amount_due FROM bookings WHERE email = "
	    "'d@example.nl'", ""), 0);
	feed_release(&f);
}
END_TEST

/* The same feed twice: nothing changes, not even an event. */
START_TEST(repoll_changes_nothing)
{
	struct feed f;
	struct ingest_counts n;
	int64_t before;

	feed_init(&f);
	add_session(&f, "s1", 2, "100.00");
	add_booking(&f, "s1", "a@example.nl", 0);
	add_booking(&f, "s1", "b@example.nl", 0);
	add_booking(&f, "s1", "c@example.nl", 0);
	apply(&f, 0, &n);
	before = events();
	now += 3600;
	ck_assert_int_eq(apply(&f, 0, &n), INGEST_APPLIED);
	ck_assert_int_eq(events(), before);
	ck_assert_int_eq(n.booked + n.cancelled + n.missing + n.sessions_changed, 0);
	ck_assert_int_eq(store_int(&s, 0, "SELECT count(*) FROM bookings", ""), 3);
	feed_release(&f);
}
END_TEST

/* A cancellation frees a seat and the first on the waiting list gets it. */
START_TEST(cancel_promotes_waitlist)
{
	struct feed f;
	struct ingest_counts n;

	feed_init(&f);
	add_session(&f, "s1", 2, "100.00");
	add_booking(&f, "s1", "a@example.nl", 0);
	add_booking(&f, "s1", "b@example.nl", 0);
	add_booking(&f, "s1", "c@example.nl", 0);
	add_booking(&f, "s1", "d@example.nl", 0);
	apply(&f, 0, &n);
	f.bookings[0].cancelled = 1;
	now += 86400;
	ck_assert_int_eq(apply(&f, 0, &n), INGEST_APPLIED);
	ck_assert_int_eq(n.cancelled, 1);
	ck_assert_int_eq(n.promoted, 1);
	assert_state("a@example.nl", "cancelled");
	assert_state("c@example.nl", "pending");
	assert_state("d@example.nl", "waitlisted");
	ck_assert_int_eq(store_int(&s, 0, "SELECT pay_by FROM bookings WHERE email = "
	    "'c@example.nl'", ""), now + c.policy.waitlist_payment_time);
	feed_release(&f);
}
END_TEST

/* Someone who declined before we ever saw them never booked. */
START_TEST(declined_first_is_not_a_booking)
{
	struct feed f;
	struct ingest_counts n;

	feed_init(&f);
	add_session(&f, "s1", 2, NULL);
	add_booking(&f, "s1", "a@example.nl", 1);
	apply(&f, 0, &n);
	ck_assert_int_eq(store_int(&s, -1, "SELECT count(*) FROM bookings", ""), 0);
	feed_release(&f);
}
END_TEST

/* A booking that vanishes is flagged, never cancelled, and comes back unflagged. */
START_TEST(missing_and_back)
{
	struct feed f;
	struct ingest_counts n;

	c.policy.max_drop = 5000;
	feed_init(&f);
	add_session(&f, "s1", 5, "100.00");
	add_booking(&f, "s1", "a@example.nl", 0);
	add_booking(&f, "s1", "b@example.nl", 0);
	add_booking(&f, "s1", "c@example.nl", 0);
	apply(&f, 0, &n);
	f.nbookings = 2;	/* c disappears (the entry is still owned by f) */
	ck_assert_int_eq(apply(&f, 0, &n), INGEST_APPLIED);
	ck_assert_int_eq(n.missing, 1);
	assert_state("c@example.nl", "pending");
	ck_assert_int_eq(store_int(&s, 0, "SELECT missing FROM bookings WHERE email = "
	    "'c@example.nl'", ""), 1);
	f.nbookings = 3;
	ck_assert_int_eq(apply(&f, 0, &n), INGEST_APPLIED);
	ck_assert_int_eq(n.returned, 1);
	ck_assert_int_eq(store_int(&s, 1, "SELECT missing FROM bookings WHERE email = "
	    "'c@example.nl'", ""), 0);
	feed_release(&f);
}
END_TEST

/* Dropping more than max_drop quarantines the whole poll: nothing changes; force applies. */
START_TEST(max_drop_quarantine)
{
	struct feed f;
	struct ingest_counts n;
	int64_t before;

	feed_init(&f);
	add_session(&f, "s1", 10, "100.00");
	for (int i = 0; i < 10; i++) {
		char email[32];

		snprintf(email, sizeof(email), "p%d@example.nl", i);
		add_booking(&f, "s1", email, 0);
	}
	apply(&f, 0, &n);
	before = events();
	f.nbookings = 6;	/* 4 of 10 = 40% > 30% */
	ck_assert_int_eq(apply(&f, 0, &n), INGEST_QUARANTINED);
	ck_assert_int_eq(n.dropped, 4);
	ck_assert_int_eq(n.known, 10);
	ck_assert_int_eq(events(), before);
	ck_assert_int_eq(store_int(&s, 0, "SELECT count(*) FROM bookings WHERE missing = 1", ""),
	    0);
	f.nbookings = 8;	/* 2 of 10 = 20%: applied */
	ck_assert_int_eq(apply(&f, 0, &n), INGEST_APPLIED);
	ck_assert_int_eq(n.missing, 2);
	f.nbookings = 1;	/* 7 of 8 remaining open: forced */
	ck_assert_int_eq(apply(&f, 1, &n), INGEST_APPLIED);
	ck_assert_int_eq(store_int(&s, 0, "SELECT count(*) FROM bookings WHERE missing = 1", ""),
	    9);
	f.nbookings = 10;
	feed_release(&f);
}
END_TEST

/* Feeds drop past events: bookings of ended sessions are neither flagged nor counted. */
START_TEST(past_sessions_not_missing)
{
	struct feed f;
	struct ingest_counts n;

	feed_init(&f);
	add_session(&f, "old", 5, "100.00");
	add_booking(&f, "old", "a@example.nl", 0);
	add_booking(&f, "old", "b@example.nl", 0);
	apply(&f, 0, &n);
	now = f.sessions[0].end + 86400;
	f.nbookings = 0;
	f.nsessions = 0;
	ck_assert_int_eq(apply(&f, 0, &n), INGEST_APPLIED);
	ck_assert_int_eq(n.missing, 0);
	ck_assert_int_eq(n.sessions_missing, 0);
	f.nbookings = 2;
	f.nsessions = 1;
	feed_release(&f);
}
END_TEST

START_TEST(session_cancelled_frees_everyone)
{
	struct feed f;
	struct ingest_counts n;

	feed_init(&f);
	add_session(&f, "s1", 1, "100.00");
	add_booking(&f, "s1", "a@example.nl", 0);
	add_booking(&f, "s1", "b@example.nl", 0);
	apply(&f, 0, &n);
	f.sessions[0].cancelled = 1;
	ck_assert_int_eq(apply(&f, 0, &n), INGEST_APPLIED);
	ck_assert_int_eq(n.sessions_changed, 1);
	assert_state("a@example.nl", "cancelled");
	assert_state("b@example.nl", "cancelled");
	ck_assert_int_eq(store_int(&s, -1, "SELECT sum(amount_due) FROM bookings", ""), 0);
	feed_release(&f);
}
END_TEST

/* Raising capacity in the source fills seats from the waiting list. */
START_TEST(capacity_raised_promotes)
{
	struct feed f;
	struct ingest_counts n;

	feed_init(&f);
	add_session(&f, "s1", 1, "100.00");
	add_booking(&f, "s1", "a@example.nl", 0);
	add_booking(&f, "s1", "b@example.nl", 0);
	apply(&f, 0, &n);
	assert_state("b@example.nl", "waitlisted");
	f.sessions[0].capacity = 2;
	ck_assert_int_eq(apply(&f, 0, &n), INGEST_APPLIED);
	ck_assert_int_eq(n.promoted, 1);
	assert_state("b@example.nl", "pending");
	ck_assert_int_eq(store_int(&s, 0, "SELECT count(*) FROM events WHERE what = "
	    "'session-changed' AND detail = 'capacity'", ""), 1);
	feed_release(&f);
}
END_TEST

/* Known booking moments order the queue; unknown ones keep the feed's order after them. */
START_TEST(booked_at_orders_new_bookings)
{
	struct feed f;
	struct ingest_counts n;

	feed_init(&f);
	add_session(&f, "s1", 1, "100.00");
	add_booking(&f, "s1", "late@example.nl", 0);
	add_booking(&f, "s1", "early@example.nl", 0);
	f.bookings[0].booked_at = now - 3600;
	f.bookings[1].booked_at = now - 7200;
	apply(&f, 0, &n);
	assert_state("early@example.nl", "pending");
	assert_state("late@example.nl", "waitlisted");
	feed_release(&f);
}
END_TEST

/* A blocked customer's new booking is refused and takes no seat. */
START_TEST(blocked_customer_refused)
{
	struct feed f;
	struct ingest_counts n;

	store_exec(&s, "INSERT INTO customers (email, standing, created) VALUES "
	    "('x@example.nl', 'blocked', 0)", "");
	feed_init(&f);
	add_session(&f, "s1", 1, "100.00");
	add_booking(&f, "s1", "x@example.nl", 0);
	add_booking(&f, "s1", "y@example.nl", 0);
	apply(&f, 0, &n);
	assert_state("x@example.nl", "refused");
	assert_state("y@example.nl", "pending");
	feed_release(&f);
}
END_TEST

/* Events cannot be changed or deleted. */
START_TEST(events_are_kept)
{
	struct feed f;
	struct ingest_counts n;

	feed_init(&f);
	add_session(&f, "s1", 1, "100.00");
	add_booking(&f, "s1", "a@example.nl", 0);
	apply(&f, 0, &n);
	ck_assert_int_gt(events(), 0);
	store_begin(&s);
	ck_assert_int_eq(store_exec(&s, "DELETE FROM events", ""), -1);
	ck_assert(strstr(s.error, "kept forever") != NULL);
	store_rollback(&s);
	store_begin(&s);
	ck_assert_int_eq(store_exec(&s, "UPDATE events SET cause = 'x'", ""), -1);
	store_rollback(&s);
	feed_release(&f);
}
END_TEST

/*
 * What the service's STATUS names as next (duties_next_named): the payment reminder two
 * days before pay-by, and once it went out the release (policy_release_at), each with the
 * booking's reference, at the moment duties_next gives.
 */
START_TEST(next_duty_named)
{
	struct feed f;
	struct ingest_counts n;
	char what[80], want[80], *ref;
	int64_t pay_by;
	time_t at;

	feed_init(&f);
	add_session(&f, "s1", 5, "100.00");
	add_booking(&f, "s1", "ann@example.nl", 0);
	apply(&f, 0, &n);
	feed_release(&f);
	ck_assert_int_eq(store_begin(&s), 0);
	ck_assert_int_ge(duties_run(&s, &c, now, 0), 0);
	ck_assert_int_eq(store_commit(&s), 0);
	ref = store_text(&s, "SELECT ref FROM bookings WHERE email = 'ann@example.nl'", "");
	pay_by = store_int(&s, 0, "SELECT pay_by FROM bookings WHERE ref = ?", "t", ref);
	ck_assert_int_gt(pay_by, now);

	at = duties_next_named(&s, &c, now, what, sizeof(what));
	ck_assert_int_eq(at, duties_next(&s));
	ck_assert_int_eq(at, pay_by - c.policy.remind_before);
	snprintf(want, sizeof(want), "payment reminder %s", ref);
	ck_assert_str_eq(what, want);

	ck_assert_int_eq(store_begin(&s), 0);
	ck_assert_int_eq(duties_run(&s, &c, at, 0), 1);
	ck_assert_int_eq(store_commit(&s), 0);
	at = duties_next_named(&s, &c, at, what, sizeof(what));
	ck_assert_int_eq(at, policy_release_at(&c.policy, pay_by, store_int(&s, 0,
	    "SELECT start FROM sessions WHERE id = 's1'", "")));
	snprintf(want, sizeof(want), "release %s", ref);
	ck_assert_str_eq(what, want);
	free(ref);
}
END_TEST

static Suite *
ingest_suite(void)
{
	Suite *su = suite_create("ingest");
	TCase *tc = tcase_create("store");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, capacity_and_waitlist);
	tcase_add_test(tc, repoll_changes_nothing);
	tcase_add_test(tc, cancel_promotes_waitlist);
	tcase_add_test(tc, declined_first_is_not_a_booking);
	tcase_add_test(tc, missing_and_back);
	tcase_add_test(tc, max_drop_quarantine);
	tcase_add_test(tc, past_sessions_not_missing);
	tcase_add_test(tc, session_cancelled_frees_everyone);
	tcase_add_test(tc, capacity_raised_promotes);
	tcase_add_test(tc, booked_at_orders_new_bookings);
	tcase_add_test(tc, blocked_customer_refused);
	tcase_add_test(tc, events_are_kept);
	tcase_add_test(tc, next_duty_named);
	suite_add_tcase(su, tc);
	return su;
}

UNIT_MAIN(ingest_suite)
