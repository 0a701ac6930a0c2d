/* Unit tests of the small edge modules: references, durations and moments, money, UTF-8. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "days.h"
#include "feed.h"
#include "money.h"
#include "ref.h"
#include "util.h"
#include "unit.h"

static const char alphabet[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

START_TEST(ref_made_refs_check)
{
	char r[REF_LEN + 1], canon[REF_LEN + 1];

	for (uint32_t i = 0; i < 20000; i++) {
		ref_make(i * 2654435761u, r);
		ck_assert_int_eq(strlen(r), REF_LEN);
		ck_assert_int_eq(ref_parse(r, canon), REF_OK);
		ck_assert_str_eq(canon, r);
	}
}
END_TEST

/* Every single-character substitution and every swap of two characters must be caught. */
START_TEST(ref_catches_typos)
{
	char r[REF_LEN + 1], t[REF_LEN + 1], canon[REF_LEN + 1];
	static const int pos[] = { 3, 4, 5, 6, 8, 9 };

	for (uint32_t n = 0; n < 300; n++) {
		ref_make(n * 40503u + 7, r);
		for (int i = 0; i < 6; i++) {
			for (const char *a = alphabet; *a; a++) {
				if (*a == r[pos[i]])
					continue;
				memcpy(t, r, sizeof(t));
				t[pos[i]] = *a;
				ck_assert_int_eq(ref_parse(t, canon), REF_BADCHECK);
			}
			for (int j = i + 1; j < 6; j++) {
				if (r[pos[i]] == r[pos[j]])
					continue;
				memcpy(t, r, sizeof(t));
				t[pos[i]] = r[pos[j]];
				t[pos[j]] = r[pos[i]];
				ck_assert_int_eq(ref_parse(t, canon), REF_BADCHECK);
			}
		}
	}
}
END_TEST

START_TEST(ref_lenient_forms)
{
	char r[REF_LEN + 1], canon[REF_LEN + 1], in[64];

	ref_make(123456, r);
	snprintf(in, sizeof(in), "ns %c%c%c%c %c%c", r[3], r[4], r[5], r[6], r[8], r[9]);
	for (char *p = in; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	ck_assert_int_eq(ref_parse(in, canon), REF_OK);
	ck_assert_str_eq(canon, r);
	ck_assert_int_eq(ref_parse("NS-7KQ2-4D", canon), REF_OK);	/* SPEC's example */
	ck_assert_int_eq(ref_parse("NS-7KQ2-4E", canon), REF_BADCHECK);
	ck_assert_int_eq(ref_parse("NS-", canon), REF_INVALID);
	ck_assert_int_eq(ref_parse("hello", canon), REF_INVALID);
	/* I, L, O and 0, 1 are not reference characters. */
	ck_assert_int_eq(ref_parse("NS-0IL1-OO", canon), REF_INVALID);
}
END_TEST

START_TEST(ref_found_in_bank_text)
{
	char r[REF_LEN + 1], canon[REF_LEN + 1], text[128], bad[REF_LEN + 1];

	ref_make(987654, r);
	snprintf(text, sizeof(text), "/TRTP/SEPA OVERBOEKING/REMI/Training betaling %s dank",
	    r);
	ck_assert_int_eq(ref_find(text, canon), REF_OK);
	ck_assert_str_eq(canon, r);
	memcpy(bad, r, sizeof(bad));
	bad[9] = bad[9] == 'A' ? 'B' : 'A';
	snprintf(text, sizeof(text), "betaling %s", bad);
	ck_assert_int_eq(ref_find(text, canon), REF_BADCHECK);
	ck_assert_int_eq(ref_find("NSX no reference in here, ns", canon), REF_INVALID);
	/* Part of a longer word is not a reference. */
	snprintf(text, sizeof(text), "X%sY", r + 0);
	ck_assert_int_eq(ref_find(text, canon), REF_INVALID);
}
END_TEST

START_TEST(duration_parse)
{
	int64_t s;
	char out[32];

	ck_assert_int_eq(days_parse_duration("90s", &s), 0);
	ck_assert_int_eq(s, 90);
	ck_assert_int_eq(days_parse_duration("30m", &s), 0);
	ck_assert_int_eq(s, 1800);
	ck_assert_int_eq(days_parse_duration("48h", &s), 0);
	ck_assert_int_eq(s, 172800);
	ck_assert_int_eq(days_parse_duration("7d", &s), 0);
	ck_assert_int_eq(s, 604800);
	ck_assert_int_eq(days_parse_duration("2w", &s), 0);
	ck_assert_int_eq(s, 1209600);
	ck_assert_int_eq(days_parse_duration("7 days", &s), -1);
	ck_assert_int_eq(days_parse_duration("7", &s), -1);
	ck_assert_int_eq(days_parse_duration("-7d", &s), -1);
	ck_assert_int_eq(days_parse_duration("d", &s), -1);
	ck_assert_int_eq(days_parse_duration("7dd", &s), -1);
	ck_assert_int_eq(days_parse_duration("99999999999999999999d", &s), -1);
	days_format_duration(172800, out);
	ck_assert_str_eq(out, "2d");
	days_format_duration(5400, out);
	ck_assert_str_eq(out, "90m");
	days_format_duration(0, out);
	ck_assert_str_eq(out, "0s");
}
END_TEST

START_TEST(iso_parse_and_format)
{
	time_t t;
	char out[32];

	ck_assert_int_eq(days_parse_iso("1970-01-02T00:00:00Z", "UTC", &t), 0);
	ck_assert_int_eq(t, 86400);
	ck_assert_int_eq(days_parse_iso("2027-01-04T08:00:00Z", "UTC", &t), 0);
	{
		time_t u;

		ck_assert_int_eq(days_parse_iso("2027-01-04T09:00:00+01:00", "UTC", &u), 0);
		ck_assert_int_eq(u, t);
		ck_assert_int_eq(days_parse_iso("2027-01-04T09:00", "Europe/Amsterdam", &u), 0);
		ck_assert_int_eq(u, t);
		ck_assert_int_eq(days_parse_iso("2027-01-04 09:00:00", "Europe/Amsterdam", &u), 0);
		ck_assert_int_eq(u, t);
	}
	days_format_iso(t, "Europe/Amsterdam", out);
	ck_assert_str_eq(out, "2027-01-04T09:00:00+01:00");
	days_format_iso(t, "UTC", out);
	ck_assert_str_eq(out, "2027-01-04T08:00:00+00:00");
	/* Summer time. */
	ck_assert_int_eq(days_parse_iso("2026-07-01T10:00", "Europe/Amsterdam", &t), 0);
	days_format_iso(t, "UTC", out);
	ck_assert_str_eq(out, "2026-07-01T08:00:00+00:00");
	days_format_iso(t, "Europe/Amsterdam", out);
	ck_assert_str_eq(out, "2026-07-01T10:00:00+02:00");
	/* Leap day exists in 2028, not in 2027. */
	ck_assert_int_eq(days_parse_iso("2028-02-29", "Europe/Amsterdam", &t), 0);
	ck_assert_int_eq(days_parse_iso("2027-02-29", "Europe/Amsterdam", &t), -1);
	ck_assert_int_eq(days_parse_iso("2027-13-01", "UTC", &t), -1);
	ck_assert_int_eq(days_parse_iso("2027-01-01T24:00", "UTC", &t), -1);
	ck_assert_int_eq(days_parse_iso("2027-01-01T10:00+0100x", "UTC", &t), -1);
	ck_assert_int_eq(days_parse_iso("tomorrow", "UTC", &t), -1);
	ck_assert_int_eq(days_parse_iso("2027-01-01T10:00", "Mars/Olympus", &t), -1);
}
END_TEST

/* in (read in zone) is want in Europe/Amsterdam. */
static void
amsterdam_is(const char *in, const char *zone, const char *want)
{
	time_t t;
	char out[32];

	ck_assert_int_eq(days_parse_iso(in, zone, &t), 0);
	days_format_iso(t, "Europe/Amsterdam", out);
	ck_assert_str_eq(out, want);
}

/* The night of the October switch: 02:30 happens twice; 02:30 in March never happens. */
START_TEST(iso_dst_switches)
{
	amsterdam_is("2026-10-25T01:59:59+00:00", "UTC", "2026-10-25T02:59:59+01:00");
	amsterdam_is("2026-10-25T00:30:00Z", "UTC", "2026-10-25T02:30:00+02:00");
	amsterdam_is("2026-03-29T01:00:00Z", "UTC", "2026-03-29T03:00:00+02:00");
	/* Wall times as RFC 5545 3.3.5 reads them: the first of two, the offset before a gap. */
	amsterdam_is("2026-10-25T02:30", "Europe/Amsterdam", "2026-10-25T02:30:00+02:00");
	amsterdam_is("2027-03-28T02:30", "Europe/Amsterdam", "2027-03-28T03:30:00+02:00");
	amsterdam_is("2027-03-28T01:59", "Europe/Amsterdam", "2027-03-28T01:59:00+01:00");
	amsterdam_is("2026-10-25T03:00", "Europe/Amsterdam", "2026-10-25T03:00:00+01:00");
}
END_TEST

START_TEST(money_parse_format)
{
	int64_t c;
	char out[48];

	ck_assert_int_eq(money_parse("295.00", &c), 0);
	ck_assert_int_eq(c, 29500);
	ck_assert_int_eq(money_parse("295", &c), 0);
	ck_assert_int_eq(c, 29500);
	ck_assert_int_eq(money_parse("0.5", &c), 0);
	ck_assert_int_eq(c, 50);
	ck_assert_int_eq(money_parse("295,00", &c), -1);
	ck_assert_int_eq(money_parse("295.001", &c), -1);
	ck_assert_int_eq(money_parse("-5", &c), -1);
	ck_assert_int_eq(money_parse("", &c), -1);
	ck_assert_int_eq(money_parse(".5", &c), -1);
	ck_assert_int_eq(money_parse("5.", &c), -1);
	ck_assert_int_eq(money_parse("99999999999999999999", &c), -1);
	money_format(29500, "nl", out);
	ck_assert_str_eq(out, "€ 295,00");
	money_format(129500, "nl", out);
	ck_assert_str_eq(out, "€ 1.295,00");
	money_format(129505, "en", out);
	ck_assert_str_eq(out, "€1,295.05");
	money_format(-4425, "en", out);
	ck_assert_str_eq(out, "-€44.25");
	money_format_plain(29500, out);
	ck_assert_str_eq(out, "295.00");
	money_format_plain(-5, out);
	ck_assert_str_eq(out, "-0.05");
}
END_TEST

START_TEST(utf8_and_text)
{
	size_t bad;
	char *s;

	ck_assert(utf8_valid("caf\xc3\xa9", 5, &bad));
	ck_assert(!utf8_valid("caf\xe9!", 5, &bad));
	ck_assert_int_eq(bad, 3);
	ck_assert(!utf8_valid("\xc0\xaf", 2, &bad));		/* overlong */
	ck_assert(!utf8_valid("\xed\xa0\x80", 3, &bad));	/* surrogate */
	ck_assert(!utf8_valid("\xe2\x82", 2, &bad));		/* truncated */
	s = feed_clean_text("  Jan\r\nBcc: evil@example.com\x01 \xc2\x85x ", 0);
	ck_assert_str_eq(s, "Jan  Bcc: evil@example.com x");
	ck_assert(strchr(s, '\n') == NULL && strchr(s, '\r') == NULL);
	free(s);
	s = feed_clean_text("line one\nline two\r", 1);
	ck_assert_str_eq(s, "line one\nline two");
	free(s);
	ck_assert(email_valid("a.b@example.nl"));
	ck_assert(!email_valid("a b@example.nl"));
	ck_assert(!email_valid("ab@localhost"));
	ck_assert(!email_valid("@example.nl"));
	ck_assert(!email_valid("a@b@example.nl"));
	ck_assert(!email_valid("a@example.nl\r\nBcc: x@y.z"));
	ck_assert(!email_valid("j\xc3\xbcrgen@example.de"));	/* needs SMTPUTF8 */
}
END_TEST

static Suite *
basics_suite(void)
{
	Suite *s = suite_create("basics");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, ref_made_refs_check);
	tcase_add_test(tc, ref_catches_typos);
	tcase_add_test(tc, ref_lenient_forms);
	tcase_add_test(tc, ref_found_in_bank_text);
	tcase_add_test(tc, duration_parse);
	tcase_add_test(tc, iso_parse_and_format);
	tcase_add_test(tc, iso_dst_switches);
	tcase_add_test(tc, money_parse_format);
	tcase_add_test(tc, utf8_and_text);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(basics_suite)
