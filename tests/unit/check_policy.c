/* The pure rules: pay-by at its edges, admission, promotion, state names. */
#include <string.h>

#include "days.h"
#include "policy.h"
#include "unit.h"

#define Z "Europe/Amsterdam"

static struct config_policy p;

static void
setup(void)
{
	memset(&p, 0, sizeof(p));
	p.payment_term = 14 * 86400;
	p.pay_before_start = 3 * 86400;
	p.min_payment_time = 86400;
	p.prepay_payment_time = 2 * 86400;
	p.waitlist_payment_time = 2 * 86400;
}

static time_t
at(const char *iso)
{
	time_t t;

	ck_assert_msg(days_parse_iso(iso, "Europe/Amsterdam", &t) == 0, "bad time %s", iso);
	return t;
}

START_TEST(pay_by_term_applies_far_ahead)
{
	time_t booked = at("2026-11-01T10:00"), start = at("2027-02-01T09:00");

	ck_assert_int_eq(policy_pay_by(&p, Z, booked, start, STANDING_TRUSTED), booked + 14 * 86400);
}
END_TEST

START_TEST(pay_by_before_start_when_closer)
{
	time_t booked = at("2026-12-01T10:00"), start = at("2026-12-08T09:00");

	ck_assert_int_eq(policy_pay_by(&p, Z, booked, start, STANDING_TRUSTED), start - 3 * 86400);
}
END_TEST

/* Booked 1 hour before start - pay_before_start: the minimum payment time wins. */
START_TEST(pay_by_min_payment_time)
{
	time_t start = at("2026-12-08T09:00"), booked = start - 3 * 86400 - 3600;

	ck_assert_int_eq(policy_pay_by(&p, Z, booked, start, STANDING_TRUSTED), booked + 86400);
}
END_TEST

/* Booked 2 hours before the start: never later than the start itself. */
START_TEST(pay_by_never_after_start)
{
	time_t start = at("2026-12-08T09:00"), booked = start - 7200;

	ck_assert_int_eq(policy_pay_by(&p, Z, booked, start, STANDING_TRUSTED), start);
	ck_assert_int_eq(policy_pay_by(&p, Z, start, start, STANDING_TRUSTED), start);
}
END_TEST

/* Across the October switch the term is exact seconds, so the wall time shifts an hour. */
START_TEST(pay_by_across_dst)
{
	time_t booked = at("2026-10-20T10:00"), start = at("2027-03-01T09:00");
	char out[32];

	days_format_iso(policy_pay_by(&p, Z, booked, start, STANDING_TRUSTED), "Europe/Amsterdam",
	    out);
	ck_assert_str_eq(out, "2026-11-03T09:00:00+01:00");
}
END_TEST

START_TEST(pay_by_prepay)
{
	time_t booked = at("2026-11-01T10:00"), start = at("2027-02-01T09:00");

	ck_assert_int_eq(policy_pay_by(&p, Z, booked, start, STANDING_PREPAY), booked + 2 * 86400);
}
END_TEST

START_TEST(admit_rules)
{
	time_t booked = at("2026-11-01T10:00"), start = at("2027-02-01T09:00");
	struct policy_admission a;

	a = policy_admit(&p, Z, 3, 29500, booked, booked, start, STANDING_TRUSTED);
	ck_assert_int_eq(a.state, BOOKING_PENDING);
	ck_assert_int_eq(a.amount_due, 29500);
	ck_assert_int_eq(a.pay_by, booked + 14 * 86400);
	a = policy_admit(&p, Z, 0, 29500, booked, booked, start, STANDING_TRUSTED);
	ck_assert_int_eq(a.state, BOOKING_WAITLISTED);
	ck_assert_int_eq(a.amount_due, 0);
	ck_assert_int_eq(a.pay_by, 0);
	a = policy_admit(&p, Z, -2, 29500, booked, booked, start, STANDING_TRUSTED);
	ck_assert_int_eq(a.state, BOOKING_WAITLISTED);
	a = policy_admit(&p, Z, 3, 0, booked, booked, start, STANDING_TRUSTED);
	ck_assert_int_eq(a.state, BOOKING_CONFIRMED);
	ck_assert_int_eq(a.pay_by, 0);
	a = policy_admit(&p, Z, 3, 29500, booked, booked, start, STANDING_BLOCKED);
	ck_assert_int_eq(a.state, BOOKING_REFUSED);
	ck_assert_int_eq(a.amount_due, 0);
}
END_TEST

START_TEST(promote_rules)
{
	time_t now = at("2026-11-01T10:00"), start = at("2027-02-01T09:00");
	struct policy_admission a;

	a = policy_promote(&p, 29500, start, now);
	ck_assert_int_eq(a.state, BOOKING_PENDING);
	ck_assert_int_eq(a.pay_by, now + 2 * 86400);
	ck_assert_int_eq(a.amount_due, 29500);
	/* A day before the start: pay by the start. */
	a = policy_promote(&p, 29500, now + 86400, now);
	ck_assert_int_eq(a.pay_by, now + 86400);
	a = policy_promote(&p, 0, start, now);
	ck_assert_int_eq(a.state, BOOKING_CONFIRMED);
}
END_TEST

START_TEST(state_names_round_trip)
{
	for (int i = 0; i < BOOKING_STATE_COUNT; i++)
		ck_assert_int_eq(policy_state_parse(policy_state_name((enum booking_state)i)), i);
	ck_assert_int_eq(policy_state_parse("paid"), -1);
	ck_assert_str_eq(policy_state_name(BOOKING_NO_SHOW), "no_show");
	ck_assert(policy_holds_seat(BOOKING_PENDING));
	ck_assert(!policy_holds_seat(BOOKING_WAITLISTED));
	ck_assert(!policy_holds_seat(BOOKING_RELEASED));
	ck_assert(policy_is_active(BOOKING_WAITLISTED));
	ck_assert(!policy_is_active(BOOKING_CANCELLED));
	ck_assert_int_eq(policy_standing_parse("prepay"), STANDING_PREPAY);
	ck_assert_int_eq(policy_standing_parse("vip"), -1);
}
END_TEST

/* Dutch holidays for a few years, including King's Day on a Sunday (2025: the 26th). */
START_TEST(dutch_holidays)
{
	ck_assert(days_is_dutch_holiday(2027, 1, 1));
	ck_assert(days_is_dutch_holiday(2026, 4, 6));	/* Easter Monday 2026 */
	ck_assert(!days_is_dutch_holiday(2026, 4, 3));	/* Good Friday: not counted */
	ck_assert(days_is_dutch_holiday(2027, 3, 29));	/* Easter Monday 2027 */
	ck_assert(days_is_dutch_holiday(2026, 4, 27));
	ck_assert(days_is_dutch_holiday(2025, 4, 26));	/* 27 April 2025 was a Sunday */
	ck_assert(days_is_dutch_holiday(2026, 5, 5));
	ck_assert(days_is_dutch_holiday(2026, 5, 14));	/* Ascension 2026 */
	ck_assert(days_is_dutch_holiday(2026, 5, 25));	/* Whit Monday 2026 */
	ck_assert(days_is_dutch_holiday(2028, 6, 5));	/* Whit Monday 2028 (leap year) */
	ck_assert(days_is_dutch_holiday(2026, 12, 25));
	ck_assert(days_is_dutch_holiday(2026, 12, 26));
	ck_assert(!days_is_dutch_holiday(2026, 12, 24));
	ck_assert(!days_is_business_day(2026, 11, 28, 0));	/* Saturday */
	ck_assert(!days_is_business_day(2026, 11, 29, 0));	/* Sunday */
	ck_assert(days_is_business_day(2026, 11, 30, 0));
	ck_assert(days_is_business_day(2028, 2, 29, 0));	/* leap day, a Tuesday */
}
END_TEST

/* A pay-by on Saturday moves to Monday, same wall time; across Christmas to the 28th. */
START_TEST(pay_by_business_days)
{
	time_t booked, start = at("2027-03-01T09:00");
	char out[32];

	p.business_days = 1;
	booked = at("2026-11-14T10:00");	/* + 14d = Saturday 28 November */
	days_format_iso(policy_pay_by(&p, Z, booked, start, STANDING_TRUSTED), Z, out);
	ck_assert_str_eq(out, "2026-11-30T10:00:00+01:00");
	booked = at("2026-12-11T15:00");	/* + 14d = Christmas Day, then Boxing Day, Sunday */
	days_format_iso(policy_pay_by(&p, Z, booked, start, STANDING_TRUSTED), Z, out);
	ck_assert_str_eq(out, "2026-12-28T15:00:00+01:00");
	/* King's Day 2027 is a Tuesday: to Wednesday. */
	booked = at("2027-04-13T09:00");
	days_format_iso(policy_pay_by(&p, Z, booked, at("2027-09-01T09:00"), STANDING_TRUSTED),
	    Z, out);
	ck_assert_str_eq(out, "2027-04-28T09:00:00+02:00");
	/* Never past the start: a session on Monday, pay-by would be Saturday. */
	start = at("2026-11-30T09:00");
	booked = at("2026-11-20T10:00");	/* start - 3d = Friday 27th: a working day */
	ck_assert_int_eq(policy_pay_by(&p, Z, booked, start, STANDING_TRUSTED), start - 3 * 86400);
	p.pay_before_start = 2 * 86400;		/* start - 2d = Saturday -> Monday = start */
	ck_assert_int_eq(policy_pay_by(&p, Z, booked, start, STANDING_TRUSTED), start);
	/* The March switch: Saturday 28 March 2026 10:00 CET -> Monday 30 March 10:00 CEST. */
	p.pay_before_start = 3 * 86400;
	booked = at("2026-03-14T10:00");
	days_format_iso(policy_pay_by(&p, Z, booked, at("2026-09-01T09:00"), STANDING_TRUSTED),
	    Z, out);
	ck_assert_str_eq(out, "2026-03-30T10:00:00+02:00");
}
END_TEST

/* A booking found late (its CREATED a month ago) still gets min_payment_time from now. */
START_TEST(admit_found_late)
{
	time_t booked = at("2026-10-01T10:00"), now = at("2026-11-01T10:00");
	time_t start = at("2027-02-01T09:00");
	struct policy_admission a;

	a = policy_admit(&p, Z, 3, 29500, booked, now, start, STANDING_TRUSTED);
	ck_assert_int_eq(a.pay_by, now + 86400);
	/* ... but never after the start. */
	a = policy_admit(&p, Z, 3, 29500, booked, start - 3600, start, STANDING_TRUSTED);
	ck_assert_int_eq(a.pay_by, start);
	/* Found in time: the rule as written. */
	a = policy_admit(&p, Z, 3, 29500, booked, booked + 60, start, STANDING_TRUSTED);
	ck_assert_int_eq(a.pay_by, booked + 14 * 86400);
}
END_TEST

static Suite *
policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("rules");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, pay_by_term_applies_far_ahead);
	tcase_add_test(tc, pay_by_before_start_when_closer);
	tcase_add_test(tc, pay_by_min_payment_time);
	tcase_add_test(tc, pay_by_never_after_start);
	tcase_add_test(tc, pay_by_across_dst);
	tcase_add_test(tc, pay_by_prepay);
	tcase_add_test(tc, admit_rules);
	tcase_add_test(tc, admit_found_late);
	tcase_add_test(tc, promote_rules);
	tcase_add_test(tc, state_names_round_trip);
	tcase_add_test(tc, dutch_holidays);
	tcase_add_test(tc, pay_by_business_days);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(policy_suite)
