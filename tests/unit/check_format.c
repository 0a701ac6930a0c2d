/*
 * format.c: dates and times in the zone and both languages (summer time, a UTC moment that
 * is the next local day, an unknown zone), durations in each unit, percentages from basis
 * points.
 */
#include <string.h>
#include <time.h>

#include "format.h"
#include "unit.h"

#define ZONE "Europe/Amsterdam"

static time_t
utc(int y, int mo, int d, int h, int mi)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	return timegm(&tm);
}

START_TEST(test_dates)
{
	char d[64], t[16];

	format_date(utc(2026, 12, 8, 8, 30), ZONE, "nl", d);
	ck_assert_str_eq(d, "8 december 2026");
	format_date(utc(2026, 12, 8, 8, 30), ZONE, "en", d);
	ck_assert_str_eq(d, "8 December 2026");
	format_time(utc(2026, 12, 8, 8, 30), ZONE, t);
	ck_assert_str_eq(t, "09:30");
	/* Summer time, and a UTC moment that is the next day in Amsterdam. */
	format_time(utc(2026, 7, 1, 7, 5), ZONE, t);
	ck_assert_str_eq(t, "09:05");
	format_date(utc(2026, 3, 31, 22, 30), ZONE, "nl", d);
	ck_assert_str_eq(d, "1 april 2026");
	format_date(utc(2027, 1, 1, 0, 0), ZONE, "nl", d);
	ck_assert_str_eq(d, "1 januari 2027");
	format_date(utc(2028, 2, 29, 12, 0), ZONE, "en", d);
	ck_assert_str_eq(d, "29 February 2028");
	/* Unknown zone: UTC rather than nothing. */
	format_time(utc(2026, 12, 8, 8, 30), "Mars/Olympus", t);
	ck_assert_str_eq(t, "08:30");
	format_date(utc(2026, 5, 3, 23, 0), "Mars/Olympus", "nl", d);
	ck_assert_str_eq(d, "3 mei 2026");
}
END_TEST

START_TEST(test_durations)
{
	char o[64];

	format_duration(7 * 86400, "nl", o);
	ck_assert_str_eq(o, "7 dagen");
	format_duration(7 * 86400, "en", o);
	ck_assert_str_eq(o, "7 days");
	format_duration(86400, "nl", o);
	ck_assert_str_eq(o, "1 dag");
	format_duration(86400, "en", o);
	ck_assert_str_eq(o, "1 day");
	format_duration(36 * 3600, "nl", o);
	ck_assert_str_eq(o, "36 uur");
	format_duration(3600, "en", o);
	ck_assert_str_eq(o, "1 hour");
	format_duration(90 * 60, "nl", o);
	ck_assert_str_eq(o, "90 minuten");
	format_duration(60, "en", o);
	ck_assert_str_eq(o, "1 minute");
	format_duration(90, "en", o);
	ck_assert_str_eq(o, "90 seconds");
	format_duration(0, "nl", o);
	ck_assert_str_eq(o, "0 minuten");
}
END_TEST

START_TEST(test_percent)
{
	char o[16];

	format_percent(5000, "nl", o);
	ck_assert_str_eq(o, "50%");
	format_percent(10000, "en", o);
	ck_assert_str_eq(o, "100%");
	format_percent(1015, "nl", o);
	ck_assert_str_eq(o, "10,15%");
	format_percent(1015, "en", o);
	ck_assert_str_eq(o, "10.15%");
	format_percent(1250, "nl", o);
	ck_assert_str_eq(o, "12,5%");
	format_percent(5, "en", o);
	ck_assert_str_eq(o, "0.05%");
	format_percent(0, "nl", o);
	ck_assert_str_eq(o, "0%");
}
END_TEST

static Suite *
format_suite(void)
{
	Suite *s = suite_create("format");
	TCase *tc = tcase_create("people");

	tcase_add_test(tc, test_dates);
	tcase_add_test(tc, test_durations);
	tcase_add_test(tc, test_percent);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(format_suite)
