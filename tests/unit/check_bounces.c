/*
 * bounces.c: the pure parts of the bounce collector. Which evidence event a report's
 * action makes, and the moment a report speaks of: its Date header, clamped between the
 * message's sending and the report's reading, so that neither a slow nor a lying clock of
 * the reporting server can move a dunning term outside what noshowd itself saw. The IMAP
 * side is tested against a real Dovecot (tests/integration/bounces.sh).
 */
#include <string.h>

#include "bounces.h"
#include "unit.h"

/* 2027-03-16T16:05:00Z */
#define T_REPORT 1805213100
#define REPORT(date) "Return-Path: <>\r\nDate: " date "\r\nSubject: x\r\n\r\nbody\r\n"

START_TEST(events_by_action)
{
	ck_assert_str_eq(bounces_event(DSN_DELIVERED), "delivery");
	ck_assert_str_eq(bounces_event(DSN_RELAYED), "delivery");
	ck_assert_str_eq(bounces_event(DSN_EXPANDED), "delivery");
	ck_assert_str_eq(bounces_event(DSN_DELAYED), "delivery-delay");
	ck_assert_str_eq(bounces_event(DSN_FAILED), "non-delivery");
	ck_assert_ptr_null(bounces_event(DSN_NONE));
}
END_TEST

/* The delivery state after a sequence of actions, as bounces_record applies them. */
static const char *
state_after(const enum dsn_action *a, size_t n)
{
	const char *state = NULL, *next;
	int proven = 0;

	for (size_t i = 0; i < n; i++) {
		if ((next = bounces_next_state(state, proven, a[i])) != NULL)
			state = next;
		proven |= a[i] == DSN_DELIVERED || a[i] == DSN_FAILED;
	}
	return state;
}
#define AFTER(...) state_after((const enum dsn_action[]){ __VA_ARGS__ }, \
    sizeof((const enum dsn_action[]){ __VA_ARGS__ }) / sizeof(enum dsn_action))

START_TEST(delivery_state)
{
	ck_assert_str_eq(AFTER(DSN_DELIVERED), "delivered");
	ck_assert_str_eq(AFTER(DSN_DELAYED), "delayed");
	ck_assert_str_eq(AFTER(DSN_DELAYED, DSN_DELIVERED), "delivered");
	ck_assert_str_eq(AFTER(DSN_DELAYED, DSN_FAILED), "failed");
	/* The first final word stands; a delay after it changes nothing. */
	ck_assert_str_eq(AFTER(DSN_DELIVERED, DSN_FAILED), "delivered");
	ck_assert_str_eq(AFTER(DSN_FAILED, DSN_DELIVERED), "failed");
	ck_assert_str_eq(AFTER(DSN_FAILED, DSN_DELAYED), "failed");
	/* An alias expansion and the failure behind it, in either order. */
	ck_assert_str_eq(AFTER(DSN_EXPANDED), "delivered");
	ck_assert_str_eq(AFTER(DSN_EXPANDED, DSN_FAILED), "failed");
	ck_assert_str_eq(AFTER(DSN_FAILED, DSN_EXPANDED), "failed");
	ck_assert_str_eq(AFTER(DSN_EXPANDED, DSN_DELAYED, DSN_FAILED), "failed");
	ck_assert_str_eq(AFTER(DSN_EXPANDED, DSN_DELAYED), "delivered");
	ck_assert_str_eq(AFTER(DSN_RELAYED, DSN_DELIVERED, DSN_FAILED), "delivered");
	ck_assert_str_eq(AFTER(DSN_DELIVERED, DSN_EXPANDED, DSN_FAILED), "delivered");
	ck_assert_ptr_null(bounces_next_state(NULL, 0, DSN_NONE));
	ck_assert_ptr_null(bounces_next_state("delayed", 0, DSN_NONE));
}
END_TEST

START_TEST(report_time_from_date)
{
	const char *r = REPORT("Tue, 16 Mar 2027 17:05:00 +0100");

	ck_assert_int_eq(bounces_report_time(r, strlen(r), T_REPORT - 3600, T_REPORT + 86400),
	    T_REPORT);
}
END_TEST

START_TEST(report_time_clamped)
{
	const char *r = REPORT("Tue, 16 Mar 2027 17:05:00 +0100");
	const char *none = "Subject: no date\r\n\r\nDate: Tue, 16 Mar 2027 17:05:00 +0100\r\n";
	const char *bad = REPORT("yesterday-ish");

	/* Before the message was sent: the sending moment. */
	ck_assert_int_eq(bounces_report_time(r, strlen(r), T_REPORT + 60, T_REPORT + 600),
	    T_REPORT + 60);
	/* After the report was read: the reading moment. */
	ck_assert_int_eq(bounces_report_time(r, strlen(r), T_REPORT - 600, T_REPORT - 60),
	    T_REPORT - 60);
	/* A Date in the body, or none that can be read: the reading moment. */
	ck_assert_int_eq(bounces_report_time(none, strlen(none), T_REPORT - 600, T_REPORT),
	    T_REPORT);
	ck_assert_int_eq(bounces_report_time(bad, strlen(bad), T_REPORT - 600, T_REPORT),
	    T_REPORT);
	/* Bytes that end inside the header, without a NUL after them. */
	ck_assert_int_eq(bounces_report_time(r, 10, T_REPORT - 600, T_REPORT), T_REPORT);
}
END_TEST

static Suite *
bounces_suite(void)
{
	Suite *s = suite_create("bounces");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, events_by_action);
	tcase_add_test(tc, delivery_state);
	tcase_add_test(tc, report_time_from_date);
	tcase_add_test(tc, report_time_clamped);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(bounces_suite)
