/*
 * The pure money core at its edges (SPEC section 3, rules 3-5 and 11): when an unpaid seat is
 * released, what falls due for a booking at a given moment (reminder, release, debt), where a
 * payment leaves a booking and what is due back. Moments are built in the real zone
 * Europe/Amsterdam, so the daylight-saving switches, King's Day, Good Friday and the leap
 * day are the real ones.
 */
#include <string.h>

#include "config.h"
#include "days.h"
#include "policy.h"
#include "unit.h"

#define Z "Europe/Amsterdam"
#define DAY 86400
#define PRICE 29500

static struct config cfg;
static struct config_policy p;

/* Every test starts from the documented defaults (config_defaults), as a fresh install. */
static void
setup(void)
{
	config_defaults(&cfg);
	p = cfg.policy;
}

static void
teardown(void)
{
	config_release(&cfg);
}

static time_t
at(const char *iso)
{
	time_t t;

	ck_assert_msg(days_parse_iso(iso, Z, &t) == 0, "bad time %s", iso);
	return t;
}

static void
assert_iso(time_t t, const char *want)
{
	char out[32];

	days_format_iso(t, Z, out);
	ck_assert_str_eq(out, want);
}

/* A booking of PRICE, nothing paid, no reminder sent, for a session of eight hours. */
static struct policy_booking
booking(enum booking_state st, time_t told, time_t pay_by, time_t start)
{
	struct policy_booking b;

	memset(&b, 0, sizeof(b));
	b.state = st;
	b.told = told;
	b.pay_by = pay_by;
	b.start = start;
	b.end = start + 8 * 3600;
	b.amount_due = PRICE;
	return b;
}

/* Macros rather than functions, so that a failure names the line of the test. */
#define CK_NOTHING(d, nxt) do {						\
		struct policy_duty d_ = (d);				\
		ck_assert_int_eq(d_.action, POLICY_NOTHING);		\
		ck_assert_int_eq(d_.next, (nxt));			\
	} while (0)
#define CK_ACTION(d, act, when) do {					\
		struct policy_duty d_ = (d);				\
		ck_assert_int_eq(d_.action, (act));			\
		ck_assert_int_eq(d_.at, (when));			\
	} while (0)

/* ---- policy_release_at --------------------------------------------------------------- */

START_TEST(release_at_grace_before_start)
{
	time_t start = at("2027-01-14T09:00");

	ck_assert_int_eq(policy_release_at(&p, start - 3 * DAY, start), start - 2 * DAY);
	/* The last pay-by whose grace still ends before the start. */
	ck_assert_int_eq(policy_release_at(&p, start - DAY - 1, start), start - 1);
}
END_TEST

/* A release at (or after) the start frees a seat nobody can take: release at pay-by. */
START_TEST(release_at_grace_reaches_start)
{
	time_t start = at("2027-01-14T09:00");

	ck_assert_int_eq(policy_release_at(&p, start - DAY, start), start - DAY);
	ck_assert_int_eq(policy_release_at(&p, start - 3600, start), start - 3600);
	ck_assert_int_eq(policy_release_at(&p, start - 1, start), start - 1);
}
END_TEST

START_TEST(release_at_never)
{
	time_t start = at("2027-01-14T09:00");

	ck_assert_int_eq(policy_release_at(&p, start, start), 0);
	ck_assert_int_eq(policy_release_at(&p, start + 7200, start), 0);	/* promoted late */
	ck_assert_int_eq(policy_release_at(&p, 0, start), 0);
	p.release_unpaid = 0;
	ck_assert_int_eq(policy_release_at(&p, start - 3 * DAY, start), 0);
}
END_TEST

/* ---- policy_due: a pending booking ----------------------------------------------------- */

/*
 * Told Monday 4 January 2027, pay-by Monday 18th 10:00: the reminder goes Saturday 16th
 * 10:00, the seat is released Tuesday 19th 10:00.
 */
START_TEST(due_pending_timeline)
{
	time_t told = at("2027-01-04T10:00"), start = at("2027-02-01T09:00");
	time_t pay_by = at("2027-01-18T10:00");
	time_t remind = at("2027-01-16T10:00"), release = at("2027-01-19T10:00");
	struct policy_booking b = booking(BOOKING_PENDING, told, pay_by, start);

	CK_NOTHING(policy_due(&p, Z, &b, told), remind);
	CK_NOTHING(policy_due(&p, Z, &b, remind - 1), remind);
	CK_ACTION(policy_due(&p, Z, &b, remind), POLICY_REMIND, remind);
	CK_ACTION(policy_due(&p, Z, &b, pay_by - 1), POLICY_REMIND, remind);
	b.reminded = 1;
	CK_NOTHING(policy_due(&p, Z, &b, remind), release);
	CK_NOTHING(policy_due(&p, Z, &b, release - 1), release);
	CK_ACTION(policy_due(&p, Z, &b, release), POLICY_RELEASE, release);
	/* Partly paid is still unpaid. */
	b.amount_paid = PRICE - 1;
	CK_ACTION(policy_due(&p, Z, &b, release), POLICY_RELEASE, release);
}
END_TEST

/* After downtime the later action wins: released without a reminder first. */
START_TEST(due_catch_up_releases)
{
	time_t told = at("2027-01-04T10:00"), start = at("2027-02-01T09:00");
	time_t pay_by = at("2027-01-18T10:00"), release = pay_by + DAY;
	struct policy_booking b = booking(BOOKING_PENDING, told, pay_by, start);

	CK_ACTION(policy_due(&p, Z, &b, release), POLICY_RELEASE, release);
	CK_ACTION(policy_due(&p, Z, &b, release + 10 * DAY), POLICY_RELEASE, release);
	CK_ACTION(policy_due(&p, Z, &b, start + DAY), POLICY_RELEASE, release);
}
END_TEST

/* Once pay-by has passed, a reminder that did not go out is not sent any more. */
START_TEST(due_no_reminder_after_pay_by)
{
	time_t told = at("2027-01-04T10:00"), start = at("2027-02-01T09:00");
	time_t pay_by = at("2027-01-18T10:00"), release = pay_by + DAY;
	struct policy_booking b = booking(BOOKING_PENDING, told, pay_by, start);

	CK_NOTHING(policy_due(&p, Z, &b, pay_by), release);
	CK_NOTHING(policy_due(&p, Z, &b, pay_by + 3600), release);
	CK_NOTHING(policy_due(&p, Z, &b, release - 1), release);
}
END_TEST

/*
 * A reminder moment not after `told` is never sent: the confirmation just said the same.
 * A waitlisted booking promoted with the default two days is the common case.
 */
START_TEST(due_reminder_not_after_told)
{
	time_t told = at("2027-01-04T10:00"), start = at("2027-02-01T09:00");
	struct policy_admission a = policy_promote(&p, PRICE, start, told);
	struct policy_booking b = booking(BOOKING_PENDING, told, a.pay_by, start);

	ck_assert_int_eq(a.pay_by - p.remind_before, told);
	CK_NOTHING(policy_due(&p, Z, &b, told), a.pay_by + DAY);
	CK_NOTHING(policy_due(&p, Z, &b, a.pay_by - 1), a.pay_by + DAY);
	/* Found late: pay-by one day after being told, the reminder moment lies before it. */
	b.pay_by = told + DAY;
	CK_NOTHING(policy_due(&p, Z, &b, told), told + 2 * DAY);
	CK_NOTHING(policy_due(&p, Z, &b, told + DAY - 1), told + 2 * DAY);
	/* One second later and it is after `told`: sent. */
	b.pay_by = told + 2 * DAY + 1;
	CK_NOTHING(policy_due(&p, Z, &b, told), told + 1);
	CK_ACTION(policy_due(&p, Z, &b, told + 1), POLICY_REMIND, told + 1);
}
END_TEST

/* release_unpaid = false: the seat is kept and the price becomes a debt after the session. */
START_TEST(due_kept_seat_becomes_debt)
{
	time_t told = at("2027-01-04T10:00"), start = at("2027-02-01T09:00");
	time_t pay_by = at("2027-01-18T10:00");
	struct policy_booking b = booking(BOOKING_PENDING, told, pay_by, start);

	p.release_unpaid = 0;
	CK_ACTION(policy_due(&p, Z, &b, pay_by - p.remind_before), POLICY_REMIND,
	    pay_by - p.remind_before);
	b.reminded = 1;
	CK_NOTHING(policy_due(&p, Z, &b, pay_by + DAY), b.end);
	CK_NOTHING(policy_due(&p, Z, &b, b.end - 1), b.end);
	CK_ACTION(policy_due(&p, Z, &b, b.end), POLICY_DEBT_DUE, b.end);
	CK_ACTION(policy_due(&p, Z, &b, b.end + 30 * DAY), POLICY_DEBT_DUE, b.end);
	/* Never a release, even long after pay-by. */
	b.reminded = 0;
	ck_assert_int_ne(policy_due(&p, Z, &b, pay_by + 20 * DAY).action, POLICY_RELEASE);
	b.debt_due = b.end;
	/* A debt now: the first dunning step is next, `after` its due moment. */
	CK_NOTHING(policy_due(&p, Z, &b, b.end + DAY), b.end + p.dunning[0].after);
}
END_TEST

/* The debt is due at the later of pay-by and the session's end: promoted after the end. */
START_TEST(due_kept_seat_debt_not_before_pay_by)
{
	time_t start = at("2027-02-01T09:00"), now = start + 10 * 3600;
	struct policy_admission a = policy_promote(&p, PRICE, start, now);
	struct policy_booking b = booking(BOOKING_PENDING, now, a.pay_by, start);

	p.release_unpaid = 0;
	ck_assert_int_eq(a.pay_by, now);
	ck_assert_int_gt(a.pay_by, b.end);
	CK_ACTION(policy_due(&p, Z, &b, now), POLICY_DEBT_DUE, now);
	b.pay_by = now + 3600;
	CK_NOTHING(policy_due(&p, Z, &b, now), now + 3600);
	CK_ACTION(policy_due(&p, Z, &b, now + 3600), POLICY_DEBT_DUE, now + 3600);
}
END_TEST

START_TEST(due_paid_in_full)
{
	time_t told = at("2027-01-04T10:00"), start = at("2027-02-01T09:00");
	time_t pay_by = at("2027-01-18T10:00");
	struct policy_booking b = booking(BOOKING_PENDING, told, pay_by, start);

	b.amount_paid = PRICE;
	CK_NOTHING(policy_due(&p, Z, &b, pay_by - p.remind_before), 0);
	CK_NOTHING(policy_due(&p, Z, &b, pay_by + DAY), 0);
	b.state = BOOKING_CONFIRMED;
	CK_NOTHING(policy_due(&p, Z, &b, b.end + DAY), 0);
	b.amount_paid = PRICE + 500;
	CK_NOTHING(policy_due(&p, Z, &b, b.end + DAY), 0);
	p.release_unpaid = 0;
	b.amount_paid = PRICE;
	CK_NOTHING(policy_due(&p, Z, &b, b.end + DAY), 0);
}
END_TEST

/* Rule 11: with a deposit of 30% (8850 of 29500), the deposit holds the seat. */
START_TEST(due_deposit_holds_seat)
{
	time_t told = at("2027-01-04T10:00"), start = at("2027-03-01T09:00");
	time_t pay_by = at("2027-01-18T10:00"), release = pay_by + DAY;
	struct policy_booking b = booking(BOOKING_PENDING, told, pay_by, start);
	struct policy_duty d;

	p.deposit = 3000;
	ck_assert_int_eq(policy_confirm_amount(&p, PRICE), 8850);
	b.amount_paid = 8849;
	CK_ACTION(policy_due(&p, Z, &b, release), POLICY_RELEASE, release);
	b.amount_paid = 8850;
	d = policy_due(&p, Z, &b, release);
	ck_assert_int_eq(d.action, POLICY_NOTHING);
	ck_assert_int_gt(d.next, release);
	/* No reminder either: the seat is held. */
	ck_assert_int_eq(policy_due(&p, Z, &b, pay_by - p.remind_before).action, POLICY_NOTHING);
}
END_TEST

/* The rest after a deposit is a debt rest_due_before the start (14 days by default). */
START_TEST(due_deposit_rest)
{
	time_t told = at("2027-01-04T10:00"), start = at("2027-03-01T09:00");
	time_t pay_by = at("2027-01-18T10:00"), rest = at("2027-02-15T09:00");
	struct policy_booking b = booking(BOOKING_CONFIRMED, told, pay_by, start);

	p.deposit = 3000;
	b.amount_paid = 8850;
	ck_assert_int_eq(rest, start - 14 * DAY);
	CK_NOTHING(policy_due(&p, Z, &b, pay_by + DAY), rest);
	CK_NOTHING(policy_due(&p, Z, &b, rest - 1), rest);
	CK_ACTION(policy_due(&p, Z, &b, rest), POLICY_DEBT_DUE, rest);
	CK_ACTION(policy_due(&p, Z, &b, start + DAY), POLICY_DEBT_DUE, rest);
	b.debt_due = rest;
	CK_NOTHING(policy_due(&p, Z, &b, rest), rest + p.dunning[0].after);
	CK_NOTHING(policy_due(&p, Z, &b, rest + DAY), rest + p.dunning[0].after);
	/* Paid in full after all: nothing. */
	b.debt_due = 0;
	b.amount_paid = PRICE;
	CK_NOTHING(policy_due(&p, Z, &b, rest), 0);
}
END_TEST

/* Booked ten days ahead: start - rest_due_before has passed, the rest is due at pay-by. */
START_TEST(due_deposit_rest_not_before_pay_by)
{
	time_t start = at("2027-03-01T09:00"), told = start - 10 * DAY;
	time_t pay_by = start - 3 * DAY;
	struct policy_booking b = booking(BOOKING_CONFIRMED, told, pay_by, start);

	p.deposit = 3000;
	b.amount_paid = 8850;
	CK_NOTHING(policy_due(&p, Z, &b, told), pay_by);
	CK_NOTHING(policy_due(&p, Z, &b, pay_by - 1), pay_by);
	CK_ACTION(policy_due(&p, Z, &b, pay_by), POLICY_DEBT_DUE, pay_by);
}
END_TEST

/* ---- edges in Europe/Amsterdam ----------------------------------------------------------- */

/*
 * Booked one hour before start - pay_before_start, Monday 11 January 2027 08:00 for
 * Thursday 09:00: min_payment_time gives Tuesday 08:00, released Wednesday 08:00, and the
 * reminder moment (Sunday) lies before the booking, so none is sent.
 */
START_TEST(edge_booked_hour_before_window)
{
	time_t start = at("2027-01-14T09:00"), booked = start - 3 * DAY - 3600;
	struct policy_admission a;
	struct policy_booking b;

	assert_iso(booked, "2027-01-11T08:00:00+01:00");
	a = policy_admit(&p, Z, 3, PRICE, booked, booked, start, STANDING_TRUSTED);
	ck_assert_int_eq(a.state, BOOKING_PENDING);
	assert_iso(a.pay_by, "2027-01-12T08:00:00+01:00");
	ck_assert_int_eq(policy_release_at(&p, a.pay_by, start), a.pay_by + DAY);
	b = booking(BOOKING_PENDING, booked, a.pay_by, start);
	CK_NOTHING(policy_due(&p, Z, &b, booked), a.pay_by + DAY);
	CK_NOTHING(policy_due(&p, Z, &b, a.pay_by), a.pay_by + DAY);
	CK_ACTION(policy_due(&p, Z, &b, a.pay_by + DAY), POLICY_RELEASE, a.pay_by + DAY);
}
END_TEST

/* Booked at the start itself: pay-by is the start, no reminder, no release; a debt after. */
START_TEST(edge_booked_at_start)
{
	time_t start = at("2027-01-14T09:00");
	struct policy_admission a;
	struct policy_booking b;

	a = policy_admit(&p, Z, 3, PRICE, start, start, start, STANDING_TRUSTED);
	ck_assert_int_eq(a.state, BOOKING_PENDING);
	ck_assert_int_eq(a.pay_by, start);
	ck_assert_int_eq(policy_release_at(&p, a.pay_by, start), 0);
	b = booking(BOOKING_PENDING, start, a.pay_by, start);
	CK_NOTHING(policy_due(&p, Z, &b, start), b.end);
	CK_NOTHING(policy_due(&p, Z, &b, b.end - 1), b.end);
	CK_ACTION(policy_due(&p, Z, &b, b.end), POLICY_DEBT_DUE, b.end);
	/* A minute before the start: the same. */
	a = policy_admit(&p, Z, 3, PRICE, start - 60, start - 60, start, STANDING_TRUSTED);
	ck_assert_int_eq(a.pay_by, start);
	b.told = start - 60;
	CK_NOTHING(policy_due(&p, Z, &b, start - 60), b.end);
}
END_TEST

/*
 * March 2027: the term ends Saturday 27 March 10:00 CET; Sunday 28th (the switch to CEST)
 * and Easter Monday 29th are no working days, so pay-by is Tuesday 30th 10:00 CEST, one
 * hour less than three days later. The reminder and release moments are exact seconds.
 */
START_TEST(edge_dst_march)
{
	time_t booked = at("2027-03-13T10:00"), start = at("2027-06-01T09:00");
	struct policy_admission a;
	struct policy_booking b;
	time_t remind, release;

	a = policy_admit(&p, Z, 3, PRICE, booked, booked, start, STANDING_TRUSTED);
	assert_iso(a.pay_by, "2027-03-30T10:00:00+02:00");
	ck_assert_int_eq(a.pay_by, booked + 14 * DAY + 3 * DAY - 3600);
	p.remind_before = 3 * DAY;
	remind = a.pay_by - 3 * DAY;
	release = a.pay_by + DAY;
	assert_iso(remind, "2027-03-27T09:00:00+01:00");
	assert_iso(release, "2027-03-31T10:00:00+02:00");
	b = booking(BOOKING_PENDING, booked, a.pay_by, start);
	CK_NOTHING(policy_due(&p, Z, &b, booked), remind);
	CK_ACTION(policy_due(&p, Z, &b, remind), POLICY_REMIND, remind);
	b.reminded = 1;
	CK_NOTHING(policy_due(&p, Z, &b, remind), release);
	CK_ACTION(policy_due(&p, Z, &b, release), POLICY_RELEASE, release);
}
END_TEST

/*
 * October 2027: the term ends Saturday 30 October 10:00 CEST; after Sunday 31st (back to
 * CET) pay-by is Monday 1 November 10:00 CET, an hour more than two days later.
 */
START_TEST(edge_dst_october)
{
	time_t booked = at("2027-10-16T10:00"), start = at("2027-12-01T09:00");
	struct policy_admission a;
	struct policy_booking b;
	time_t remind, release;

	a = policy_admit(&p, Z, 3, PRICE, booked, booked, start, STANDING_TRUSTED);
	assert_iso(a.pay_by, "2027-11-01T10:00:00+01:00");
	ck_assert_int_eq(a.pay_by, booked + 14 * DAY + 2 * DAY + 3600);
	remind = a.pay_by - 2 * DAY;
	release = a.pay_by + DAY;
	assert_iso(remind, "2027-10-30T11:00:00+02:00");
	assert_iso(release, "2027-11-02T10:00:00+01:00");
	b = booking(BOOKING_PENDING, booked, a.pay_by, start);
	CK_NOTHING(policy_due(&p, Z, &b, remind - 1), remind);
	CK_ACTION(policy_due(&p, Z, &b, remind), POLICY_REMIND, remind);
	b.reminded = 1;
	CK_NOTHING(policy_due(&p, Z, &b, a.pay_by), release);
	CK_NOTHING(policy_due(&p, Z, &b, release - 1), release);
	CK_ACTION(policy_due(&p, Z, &b, release), POLICY_RELEASE, release);
}
END_TEST

/*
 * King's Day 2027 is Tuesday 27 April: start - pay_before_start lands on it and moves to
 * Wednesday; the grace then still ends before the Friday start. In 2025 King's Day was
 * Saturday the 26th (the 27th a Sunday): pay-by moves to Monday 28th, and the grace would
 * reach the Tuesday start, so the seat is released at pay-by.
 */
START_TEST(edge_kings_day)
{
	time_t booked = at("2027-04-20T10:00"), start = at("2027-04-30T09:00");
	struct policy_admission a;
	struct policy_booking b;

	a = policy_admit(&p, Z, 3, PRICE, booked, booked, start, STANDING_TRUSTED);
	assert_iso(a.pay_by, "2027-04-28T09:00:00+02:00");
	ck_assert_int_eq(policy_release_at(&p, a.pay_by, start), at("2027-04-29T09:00"));
	b = booking(BOOKING_PENDING, booked, a.pay_by, start);
	CK_NOTHING(policy_due(&p, Z, &b, booked), at("2027-04-26T09:00"));

	booked = at("2025-04-18T10:00");
	start = at("2025-04-29T09:00");
	a = policy_admit(&p, Z, 3, PRICE, booked, booked, start, STANDING_TRUSTED);
	assert_iso(a.pay_by, "2025-04-28T09:00:00+02:00");
	ck_assert_int_eq(a.pay_by + DAY, start);
	ck_assert_int_eq(policy_release_at(&p, a.pay_by, start), a.pay_by);
	b = booking(BOOKING_PENDING, booked, a.pay_by, start);
	CK_ACTION(policy_due(&p, Z, &b, a.pay_by), POLICY_RELEASE, a.pay_by);
}
END_TEST

/* 29 February 2028 is a Tuesday and a working day; a Saturday pay-by before it moves to 28th. */
START_TEST(edge_leap_day)
{
	time_t booked = at("2028-02-15T10:00"), start = at("2028-04-03T09:00");
	struct policy_admission a;
	struct policy_booking b;

	a = policy_admit(&p, Z, 3, PRICE, booked, booked, start, STANDING_TRUSTED);
	assert_iso(a.pay_by, "2028-02-29T10:00:00+01:00");
	assert_iso(policy_release_at(&p, a.pay_by, start), "2028-03-01T10:00:00+01:00");
	b = booking(BOOKING_PENDING, booked, a.pay_by, start);
	CK_NOTHING(policy_due(&p, Z, &b, booked), at("2028-02-27T10:00"));

	booked = at("2028-02-12T10:00");
	a = policy_admit(&p, Z, 3, PRICE, booked, booked, start, STANDING_TRUSTED);
	assert_iso(a.pay_by, "2028-02-28T10:00:00+01:00");
	assert_iso(policy_release_at(&p, a.pay_by, start), "2028-02-29T10:00:00+01:00");
	/* The year before has no 29th: Saturday 27 February 2027 moves to Monday 1 March. */
	booked = at("2027-02-13T10:00");
	a = policy_admit(&p, Z, 3, PRICE, booked, booked, at("2027-04-01T09:00"),
	    STANDING_TRUSTED);
	assert_iso(a.pay_by, "2027-03-01T10:00:00+01:00");
}
END_TEST

/*
 * Good Friday 2027 is 26 March: a working day by default (banks are open); with
 * good_friday it is skipped, and with the weekend, the switch to CEST and Easter Monday
 * pay-by becomes Tuesday 30 March at the same wall time.
 */
START_TEST(edge_good_friday)
{
	time_t booked = at("2027-03-12T10:00"), start = at("2027-06-01T09:00");
	struct policy_admission a;

	ck_assert_int_eq(p.good_friday, 0);
	a = policy_admit(&p, Z, 3, PRICE, booked, booked, start, STANDING_TRUSTED);
	assert_iso(a.pay_by, "2027-03-26T10:00:00+01:00");
	ck_assert_int_eq(a.pay_by, booked + 14 * DAY);
	p.good_friday = 1;
	a = policy_admit(&p, Z, 3, PRICE, booked, booked, start, STANDING_TRUSTED);
	assert_iso(a.pay_by, "2027-03-30T10:00:00+02:00");
	assert_iso(policy_release_at(&p, a.pay_by, start), "2027-03-31T10:00:00+02:00");
}
END_TEST

/* ---- policy_pay ------------------------------------------------------------------------ */

START_TEST(pay_pending)
{
	time_t start = at("2027-02-01T09:00"), now = at("2027-01-10T12:00");
	struct policy_payment r;

	r = policy_pay(&p, BOOKING_PENDING, PRICE, PRICE, 10000, 3, start, now);
	ck_assert_int_eq(r.state, BOOKING_PENDING);
	ck_assert_int_eq(r.amount_due, PRICE);
	ck_assert_int_eq(r.revived, 0);
	r = policy_pay(&p, BOOKING_PENDING, PRICE, PRICE, PRICE - 1, 3, start, now);
	ck_assert_int_eq(r.state, BOOKING_PENDING);
	r = policy_pay(&p, BOOKING_PENDING, PRICE, PRICE, PRICE, 3, start, now);
	ck_assert_int_eq(r.state, BOOKING_CONFIRMED);
	ck_assert_int_eq(r.amount_due, PRICE);
	ck_assert_int_eq(r.revived, 0);
	r = policy_pay(&p, BOOKING_PENDING, PRICE, PRICE, PRICE + 500, 3, start, now);
	ck_assert_int_eq(r.state, BOOKING_CONFIRMED);
	/* Paid after the start (the seat was kept): confirmed all the same. */
	r = policy_pay(&p, BOOKING_PENDING, PRICE, PRICE, PRICE, 0, start, start + DAY);
	ck_assert_int_eq(r.state, BOOKING_CONFIRMED);
}
END_TEST

START_TEST(pay_pending_deposit)
{
	time_t start = at("2027-02-01T09:00"), now = at("2027-01-10T12:00");
	struct policy_payment r;

	p.deposit = 3000;
	r = policy_pay(&p, BOOKING_PENDING, PRICE, PRICE, 8849, 3, start, now);
	ck_assert_int_eq(r.state, BOOKING_PENDING);
	r = policy_pay(&p, BOOKING_PENDING, PRICE, PRICE, 8850, 3, start, now);
	ck_assert_int_eq(r.state, BOOKING_CONFIRMED);
	ck_assert_int_eq(r.amount_due, PRICE);
	ck_assert_int_eq(r.revived, 0);
	/* 33.33% of 295,00 is 98,3235: the confirmation shows 98,32 (compose.c rounds
	   down), and paying exactly that must confirm the seat. */
	p.deposit = 3333;
	ck_assert_int_eq(policy_confirm_amount(&p, PRICE), 9832);
	r = policy_pay(&p, BOOKING_PENDING, PRICE, PRICE, 9832, 3, start, now);
	ck_assert_int_eq(r.state, BOOKING_CONFIRMED);
	r = policy_pay(&p, BOOKING_PENDING, PRICE, PRICE, 9831, 3, start, now);
	ck_assert_int_eq(r.state, BOOKING_PENDING);
}
END_TEST

/* A late payment for a released booking gets the seat back while one is free. */
START_TEST(pay_released_revived)
{
	time_t start = at("2027-02-01T09:00"), now = at("2027-01-28T12:00");
	struct policy_payment r;

	r = policy_pay(&p, BOOKING_RELEASED, 0, PRICE, PRICE, 1, start, now);
	ck_assert_int_eq(r.revived, 1);
	ck_assert_int_eq(r.state, BOOKING_CONFIRMED);
	ck_assert_int_eq(r.amount_due, PRICE);
	r = policy_pay(&p, BOOKING_RELEASED, 0, PRICE, 10000, 1, start, start - 1);
	ck_assert_int_eq(r.revived, 1);
	ck_assert_int_eq(r.state, BOOKING_PENDING);
	ck_assert_int_eq(r.amount_due, PRICE);
	p.deposit = 3000;
	r = policy_pay(&p, BOOKING_RELEASED, 0, PRICE, 10000, 1, start, now);
	ck_assert_int_eq(r.revived, 1);
	ck_assert_int_eq(r.state, BOOKING_CONFIRMED);
	ck_assert_int_eq(r.amount_due, PRICE);
}
END_TEST

START_TEST(pay_released_stays)
{
	time_t start = at("2027-02-01T09:00"), now = at("2027-01-28T12:00");
	struct policy_payment r;

	r = policy_pay(&p, BOOKING_RELEASED, 0, PRICE, PRICE, 0, start, now);	/* full */
	ck_assert_int_eq(r.state, BOOKING_RELEASED);
	ck_assert_int_eq(r.amount_due, 0);
	ck_assert_int_eq(r.revived, 0);
	r = policy_pay(&p, BOOKING_RELEASED, 0, PRICE, PRICE, -1, start, now);	/* overbooked */
	ck_assert_int_eq(r.state, BOOKING_RELEASED);
	ck_assert_int_eq(r.amount_due, 0);
	r = policy_pay(&p, BOOKING_RELEASED, 0, PRICE, PRICE, 1, start, start);	/* started */
	ck_assert_int_eq(r.state, BOOKING_RELEASED);
	ck_assert_int_eq(r.amount_due, 0);
	ck_assert_int_eq(r.revived, 0);
	r = policy_pay(&p, BOOKING_RELEASED, 0, PRICE, PRICE, 1, start, start + DAY);
	ck_assert_int_eq(r.state, BOOKING_RELEASED);
	ck_assert_int_eq(r.amount_due, 0);
	p.accept_late = 0;
	r = policy_pay(&p, BOOKING_RELEASED, 0, PRICE, PRICE, 1, start, now);
	ck_assert_int_eq(r.state, BOOKING_RELEASED);
	ck_assert_int_eq(r.amount_due, 0);
	ck_assert_int_eq(r.revived, 0);
}
END_TEST

START_TEST(pay_cancelled_stays)
{
	time_t start = at("2027-02-01T09:00"), now = at("2027-01-28T12:00");
	struct policy_payment r;

	/* A late cancellation owes half; paying the full price changes nothing but the refund. */
	r = policy_pay(&p, BOOKING_CANCELLED, PRICE / 2, PRICE, PRICE, 3, start, now);
	ck_assert_int_eq(r.state, BOOKING_CANCELLED);
	ck_assert_int_eq(r.amount_due, PRICE / 2);
	ck_assert_int_eq(r.revived, 0);
	r = policy_pay(&p, BOOKING_CANCELLED, 0, PRICE, PRICE, 3, start, now);
	ck_assert_int_eq(r.state, BOOKING_CANCELLED);
	ck_assert_int_eq(r.amount_due, 0);
	r = policy_pay(&p, BOOKING_WAITLISTED, 0, PRICE, PRICE, 0, start, now);
	ck_assert_int_eq(r.state, BOOKING_WAITLISTED);
	ck_assert_int_eq(r.revived, 0);
}
END_TEST

/* ---- policy_refund_due ----------------------------------------------------------------- */

START_TEST(refund_due)
{
	ck_assert_int_eq(policy_refund_due(BOOKING_CONFIRMED, PRICE, PRICE + 500), 500);
	ck_assert_int_eq(policy_refund_due(BOOKING_CONFIRMED, PRICE, PRICE), 0);
	ck_assert_int_eq(policy_refund_due(BOOKING_CONFIRMED, PRICE, 8850), 0);
	ck_assert_int_eq(policy_refund_due(BOOKING_RELEASED, 0, 10000), 10000);
	ck_assert_int_eq(policy_refund_due(BOOKING_RELEASED, 0, 0), 0);
	ck_assert_int_eq(policy_refund_due(BOOKING_CANCELLED, PRICE / 2, PRICE), PRICE / 2);
	ck_assert_int_eq(policy_refund_due(BOOKING_WAITLISTED, 0, PRICE), 0);
	ck_assert_int_eq(policy_refund_due(BOOKING_WAITLISTED, 0, PRICE + 500), 0);
}
END_TEST

/* Rule 6 at its edges, with the defaults: free 7d before, withdrawal 14d, fee 50%. */
START_TEST(cancel_edges)
{
	time_t start = at("2027-03-10T09:00"), booked = at("2027-01-04T10:00");
	struct policy_cancellation r;

	/* Exactly free_cancel_before the start: still free; a second later: the fee. */
	r = policy_cancel(&p, BOOKING_CONFIRMED, 0, booked, start, PRICE, start - 7 * DAY);
	ck_assert_int_eq(r.kind, CANCEL_FREE);
	ck_assert_int_eq(r.fee, 0);
	r = policy_cancel(&p, BOOKING_CONFIRMED, 0, booked, start, PRICE, start - 7 * DAY + 1);
	ck_assert_int_eq(r.kind, CANCEL_LATE);
	ck_assert_int_eq(r.fee, 14750);
	/* A waitlisted booking held no seat: never a fee. */
	r = policy_cancel(&p, BOOKING_WAITLISTED, 0, booked, start, PRICE, start - 3600);
	ck_assert_int_eq(r.kind, CANCEL_FREE);
	/* late_cancel_fee 0: a late cancellation is free. */
	p.late_cancel_fee = 0;
	r = policy_cancel(&p, BOOKING_PENDING, 0, booked, start, PRICE, start - 3600);
	ck_assert_int_eq(r.kind, CANCEL_FREE);
}
END_TEST

/* A consumer's withdrawal: within withdrawal_period of booking and before the start. */
START_TEST(cancel_withdrawal)
{
	time_t start = at("2027-03-10T09:00"), booked = at("2027-03-01T10:00");
	struct policy_cancellation r;

	r = policy_cancel(&p, BOOKING_PENDING, 0, booked, start, PRICE, start - 3600);
	ck_assert_int_eq(r.kind, CANCEL_WITHDRAWAL);
	ck_assert_int_eq(r.fee, 0);
	/* A business has no right of withdrawal. */
	r = policy_cancel(&p, BOOKING_PENDING, 1, booked, start, PRICE, start - 3600);
	ck_assert_int_eq(r.kind, CANCEL_LATE);
	/* Not once the session has started, even within 14 days of booking. */
	r = policy_cancel(&p, BOOKING_CONFIRMED, 0, booked, start, PRICE, start);
	ck_assert_int_eq(r.kind, CANCEL_LATE);
	/* The period's last second, and the first second after it. */
	booked = start - 20 * DAY;
	r = policy_cancel(&p, BOOKING_CONFIRMED, 0, booked, start, PRICE, booked + 14 * DAY - 1);
	ck_assert_int_eq(r.kind, CANCEL_WITHDRAWAL);
	r = policy_cancel(&p, BOOKING_CONFIRMED, 0, booked, start, PRICE, booked + 14 * DAY);
	ck_assert_int_eq(r.kind, CANCEL_LATE);
}
END_TEST

/* Rule 7: no-show at end + no_show_after, only with attendance data, paid or not. */
START_TEST(no_show_needs_attendance)
{
	time_t start = at("2027-04-06T09:00");
	struct policy_booking b = booking(BOOKING_CONFIRMED, start - 30 * DAY, start - 3 * DAY,
	    start);

	b.amount_paid = PRICE;
	/* Paid and no attendance data: never anything to do. */
	CK_NOTHING(policy_due(&p, Z, &b, b.end + 30 * DAY), 0);
	b.attendance = 1;
	CK_NOTHING(policy_due(&p, Z, &b, b.end), b.end + DAY);
	CK_NOTHING(policy_due(&p, Z, &b, b.end + DAY - 1), b.end + DAY);
	CK_ACTION(policy_due(&p, Z, &b, b.end + DAY), POLICY_NO_SHOW, b.end + DAY);
	/* A marked booking is done with. */
	b.state = BOOKING_ATTENDED;
	CK_NOTHING(policy_due(&p, Z, &b, b.end + 2 * DAY), 0);
	/* Attended and unpaid: the price is a debt from the end. */
	b.amount_paid = 0;
	CK_ACTION(policy_due(&p, Z, &b, b.end + 2 * DAY), POLICY_DEBT_DUE, b.end);
	ck_assert_int_eq(policy_no_show_fee(&p, PRICE), PRICE);
	p.no_show_fee = 5000;
	ck_assert_int_eq(policy_no_show_fee(&p, PRICE), 14750);
}
END_TEST

/* Rule 9 with the defaults (prepay after 1 incident, blocked after 3) and at the edges. */
START_TEST(standing_by_incidents)
{
	ck_assert_int_eq(policy_standing(&p, 0), STANDING_TRUSTED);
	ck_assert_int_eq(policy_standing(&p, 1), STANDING_PREPAY);
	ck_assert_int_eq(policy_standing(&p, 2), STANDING_PREPAY);
	ck_assert_int_eq(policy_standing(&p, 3), STANDING_BLOCKED);
	p.prepay_after = 0;	/* everyone prepays */
	ck_assert_int_eq(policy_standing(&p, 0), STANDING_PREPAY);
	p.block_after = 1;
	ck_assert_int_eq(policy_standing(&p, 1), STANDING_BLOCKED);
}
END_TEST

/* The statutory scale at its boundaries (art. 6:96 BW): the examples and the cap. */
START_TEST(wik_scale)
{
	ck_assert_int_eq(policy_wik_costs(29500), 4425);	/* 15% of 295.00 */
	ck_assert_int_eq(policy_wik_costs(15000), 4000);	/* the minimum */
	ck_assert_int_eq(policy_wik_costs(26666), 4000);	/* 39.999: still the minimum */
	ck_assert_int_eq(policy_wik_costs(26667), 4000);	/* 40.0005 rounds to 40.00 */
	ck_assert_int_eq(policy_wik_costs(250000), 37500);	/* 2,500: 375.00 */
	ck_assert_int_eq(policy_wik_costs(250100), 37510);	/* + 10% of 1.00 */
	ck_assert_int_eq(policy_wik_costs(500000), 62500);	/* 5,000: 625.00 */
	ck_assert_int_eq(policy_wik_costs(1000000), 87500);	/* 10,000: 875.00 */
	ck_assert_int_eq(policy_wik_costs(20000000), 277500);	/* 200,000: 2,775.00 */
	ck_assert_int_eq(policy_wik_costs(100000000), 677500);	/* 1,000,000: 6,775.00 */
	ck_assert_int_eq(policy_wik_costs(200000000), 677500);	/* the cap */
	ck_assert_int_eq(policy_wik_costs(0), 0);
}
END_TEST

/* Rule 8 with the shipped ladder: 7d, 14d, then the 14-day letter (wik) after 14d. */
START_TEST(dunning_ladder)
{
	time_t start = at("2027-04-06T09:00");
	struct policy_booking b = booking(BOOKING_NO_SHOW, start - 30 * DAY, start - 3 * DAY,
	    start);
	time_t due = b.end + DAY, sent, term;
	struct policy_duty d;

	ck_assert_uint_eq(p.ndunning, 3);
	ck_assert(p.dunning[2].wik);
	b.debt_due = due;
	CK_NOTHING(policy_due(&p, Z, &b, due), due + 7 * DAY);
	d = policy_due(&p, Z, &b, due + 7 * DAY);
	CK_ACTION(d, POLICY_DUN, due + 7 * DAY);
	ck_assert_int_eq(d.step, 1);
	/* Step 1 queued but not out yet: the ladder holds (and looks again in an hour). */
	b.stage = 1;
	CK_NOTHING(policy_due(&p, Z, &b, due + 30 * DAY), due + 30 * DAY + 3600);
	/* Out three days late: step 2 counts from then, never two steps at once. */
	sent = due + 10 * DAY;
	b.step_sent = sent;
	CK_NOTHING(policy_due(&p, Z, &b, sent + 13 * DAY), sent + 14 * DAY);
	d = policy_due(&p, Z, &b, sent + 60 * DAY);
	CK_ACTION(d, POLICY_DUN, sent + 14 * DAY);
	ck_assert_int_eq(d.step, 2);
	/* A step that failed for good starts no term. */
	b.stage = 2;
	b.step_failed = 1;
	ck_assert_int_eq(policy_due(&p, Z, &b, sent + 90 * DAY).action, POLICY_NOTHING);
	b.step_failed = 0;
	/* The 14-day letter, delivered Tuesday 4 May 2027 15:00: pay by the end of 18 May. */
	b.stage = 3;
	b.step_sent = at("2027-05-04T15:00");
	term = policy_step_term(&p, Z, 3, b.step_sent);
	assert_iso(term, "2027-05-19T00:00:00+02:00");
	CK_NOTHING(policy_due(&p, Z, &b, term - 1), term);
	CK_ACTION(policy_due(&p, Z, &b, term), POLICY_COLLECTION, term);
	/* The same letter bounced: its fourteen days never start, and there is no collection. */
	b.step_failed = 1;
	ck_assert_int_eq(policy_due(&p, Z, &b, term).action, POLICY_NOTHING);
	ck_assert_int_eq(policy_due(&p, Z, &b, term + 365 * DAY).action, POLICY_NOTHING);
	b.step_failed = 0;
	b.stage = 4;
	CK_NOTHING(policy_due(&p, Z, &b, term + 90 * DAY), 0);
	/* Any payment that clears the balance stops the ladder at once. */
	b.stage = 2;
	b.amount_paid = b.amount_due;
	CK_NOTHING(policy_due(&p, Z, &b, term), 0);
}
END_TEST

static Suite *
money_suite(void)
{
	Suite *s = suite_create("money");
	TCase *tc = tcase_create("rules");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, release_at_grace_before_start);
	tcase_add_test(tc, release_at_grace_reaches_start);
	tcase_add_test(tc, release_at_never);
	tcase_add_test(tc, due_pending_timeline);
	tcase_add_test(tc, due_catch_up_releases);
	tcase_add_test(tc, due_no_reminder_after_pay_by);
	tcase_add_test(tc, due_reminder_not_after_told);
	tcase_add_test(tc, due_kept_seat_becomes_debt);
	tcase_add_test(tc, due_kept_seat_debt_not_before_pay_by);
	tcase_add_test(tc, due_paid_in_full);
	tcase_add_test(tc, due_deposit_holds_seat);
	tcase_add_test(tc, due_deposit_rest);
	tcase_add_test(tc, due_deposit_rest_not_before_pay_by);
	tcase_add_test(tc, edge_booked_hour_before_window);
	tcase_add_test(tc, edge_booked_at_start);
	tcase_add_test(tc, edge_dst_march);
	tcase_add_test(tc, edge_dst_october);
	tcase_add_test(tc, edge_kings_day);
	tcase_add_test(tc, edge_leap_day);
	tcase_add_test(tc, edge_good_friday);
	tcase_add_test(tc, pay_pending);
	tcase_add_test(tc, pay_pending_deposit);
	tcase_add_test(tc, pay_released_revived);
	tcase_add_test(tc, pay_released_stays);
	tcase_add_test(tc, pay_cancelled_stays);
	tcase_add_test(tc, refund_due);
	tcase_add_test(tc, cancel_edges);
	tcase_add_test(tc, cancel_withdrawal);
	tcase_add_test(tc, no_show_needs_attendance);
	tcase_add_test(tc, standing_by_incidents);
	tcase_add_test(tc, wik_scale);
	tcase_add_test(tc, dunning_ladder);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(money_suite)
