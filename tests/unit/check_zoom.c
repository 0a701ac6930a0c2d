/*
 * zoom.c: both real Zoom participant reports in the corpus (the table alone and with the
 * meeting summary) read in two zones, rejoins merged with the union of their visits,
 * 12-hour, 24-hour and ISO times with their edge cases, and broken reports with the exact
 * message a trainer reads.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "unit.h"
#include "util.h"
#include "zoom.h"

#define NY "America/New_York"
#define AMS "Europe/Amsterdam"
#define DATA "tests/unit/data/zoom/"
#define HEROES CORPUS_DIR "/csv/Lightbridge-KS__zoomclass__participants_heroes.csv"
#define HEROES_FULL CORPUS_DIR "/csv/Lightbridge-KS__zoomclass__participants_heroes_full.csv"
#define EXAMPLE "Zoom writes 11/19/2021 10:00:00 AM; 11/19/2021 14:05:00 and " \
	"2021-11-19 14:05:00 are read too"

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[8192];
	size_t n;

	ck_assert_msg(f != NULL, "cannot open %s (run the tests from the top of the repo)", path);
	buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	fclose(f);
	*len = b.len;
	return buf_detach(&b);
}

/* A wall-clock time at a UTC offset (hours), computed apart from days.c. */
static time_t
at(int y, int mo, int d, int h, int mi, int s, int offset)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return timegm(&tm) - offset * 3600;
}

static void
parse_text(const char *text, size_t len, const char *zone, const char *name,
    struct zoom_report *r)
{
	char err[ERR_MAX] = "";

	ck_assert_msg(zoom_parse(text, len, zone, name, r, err) == 0, "%s: %s", name, err);
}

static void
parse_file(const char *path, const char *zone, struct zoom_report *r)
{
	size_t len;
	char *text = slurp(path, &len);

	parse_text(text, len, zone, path, r);
	free(text);
}

/* text must fail with exactly `want`, leaving the report empty. */
static void
fails(const char *text, size_t len, const char *zone, const char *want)
{
	struct zoom_report r;
	char err[ERR_MAX] = "";

	ck_assert_int_eq(zoom_parse(text, len, zone, "p.csv", &r, err), -1);
	ck_assert_str_eq(err, want);
	ck_assert_ptr_null(r.people);
	ck_assert_uint_eq(r.npeople, 0);
	ck_assert_ptr_null(r.topic);
	ck_assert_int_eq(r.meeting_start, 0);
	zoom_report_release(&r);
}

#define FAILS(s, want) fails(s, strlen(s), NY, want)

/* The file at path with the first `from` made `to`; it must contain `from`. */
static char *
mutate(const char *path, const char *from, const char *to)
{
	size_t len;
	char *text = slurp(path, &len), *p = strstr(text, from), *out;

	ck_assert_msg(p != NULL, "%s has no \"%s\"", path, from);
	out = xasprintf("%.*s%s%s", (int)(p - text), text, to, p + strlen(from));
	free(text);
	return out;
}

static const struct zoom_attendee *
person(const struct zoom_report *r, const char *email, const char *name)
{
	for (size_t i = 0; i < r->npeople; i++) {
		const struct zoom_attendee *p = &r->people[i];

		if (email != NULL ? p->email != NULL && strcmp(p->email, email) == 0 :
		    p->email == NULL && p->name != NULL && strcmp(p->name, name) == 0)
			return p;
	}
	ck_abort_msg("nobody with email %s, name %s", email ? email : "-", name ? name : "-");
	return NULL;
}

static void
assert_person(const struct zoom_attendee *p, time_t join, time_t leave, int64_t seconds,
    int rows, int line)
{
	ck_assert_int_eq(p->join, join);
	ck_assert_int_eq(p->leave, leave);
	ck_assert_int_eq(p->seconds, seconds);
	ck_assert_int_eq(p->rows, rows);
	ck_assert_int_eq(p->line, line);
}

/* A one-person report whose row joins at `join` and leaves at `leave`. */
static char *
one_row(const char *join, const char *leave)
{
	return xasprintf("Name (Original Name),User Email,Join Time,Leave Time\r\n"
	    "Ann,ann@example.org,%s,%s\r\n", join, leave);
}

static time_t
join_of(const char *join, const char *zone)
{
	struct zoom_report r;
	char *text = one_row(join, "12/31/2099 11:59:59 PM");
	time_t t;

	parse_text(text, strlen(text), zone, "one.csv", &r);
	ck_assert_uint_eq(r.npeople, 1);
	t = r.people[0].join;
	zoom_report_release(&r);
	free(text);
	return t;
}

/*
 * The real reports. Nobody in them lacks an email; four people came twice: Power Girl and
 * Swarm with overlapping rows, Cyborg Superman and Dazzler with a gap between visits.
 */

/* The heroes meeting read in zone at `off` hours from UTC; lines are `shift` further down. */
static void
assert_heroes(const struct zoom_report *r, int off, int shift)
{
	const struct zoom_attendee *p;

	ck_assert_uint_eq(r->npeople, 27);
	ck_assert_int_eq(r->skipped, 0);
	p = &r->people[0];
	ck_assert_str_eq(p->email, "loki_asgardian@marvel.com");
	ck_assert_str_eq(p->name, "015_Loki (Loki Laufeyson)");
	assert_person(p, at(2021, 11, 19, 9, 54, 15, off), at(2021, 11, 19, 12, 1, 59, off),
	    2 * 3600 + 7 * 60 + 44, 1, 2 + shift);
	p = &r->people[26];
	ck_assert_str_eq(p->email, "redeemer-ii_unknown@comic.com");
	ck_assert_int_eq(p->line, 32 + shift);
	p = person(r, "power-girl_kryptonian@dc.com", NULL);
	ck_assert_str_eq(p->name, "003_Power Girl (Kara Zor-L)");
	assert_person(p, at(2021, 11, 19, 10, 8, 26, off), at(2021, 11, 19, 12, 1, 58, off),
	    3600 + 53 * 60 + 32, 2, 5 + shift);
	p = person(r, "swarm_mutant@marvel.com", NULL);
	assert_person(p, at(2021, 11, 19, 10, 14, 30, off), at(2021, 11, 19, 12, 1, 58, off),
	    3600 + 47 * 60 + 28, 2, 20 + shift);
	p = person(r, "cyborg-superman_cyborg@dc.com", NULL);
	assert_person(p, at(2021, 11, 19, 10, 8, 32, off), at(2021, 11, 19, 12, 1, 58, off),
	    (51 * 60 + 41) + (33 * 60 + 47), 2, 6 + shift);
	p = person(r, "dazzler_mutant@marvel.com", NULL);
	assert_person(p, at(2021, 11, 19, 11, 1, 2, off), at(2021, 11, 19, 11, 29, 38, off),
	    93 + 26 * 60 + 52, 2, 27 + shift);
	for (size_t i = 1; i < r->npeople; i++)
		ck_assert_int_lt(r->people[i - 1].line, r->people[i].line);
}

START_TEST(test_corpus_table)
{
	struct zoom_report ny, ams;

	parse_file(HEROES, NY, &ny);
	assert_heroes(&ny, -5, 0);
	ck_assert_int_eq(ny.meeting_start, 0);
	ck_assert_int_eq(ny.meeting_end, 0);
	ck_assert_ptr_null(ny.topic);
	parse_file(HEROES, AMS, &ams);
	assert_heroes(&ams, 1, 0);
	/* Six hours apart, for everyone. */
	for (size_t i = 0; i < ny.npeople; i++) {
		ck_assert_int_eq(ny.people[i].join - ams.people[i].join, 6 * 3600);
		ck_assert_int_eq(ny.people[i].seconds, ams.people[i].seconds);
	}
	zoom_report_release(&ny);
	zoom_report_release(&ams);
	ck_assert_ptr_null(ny.people);
	ck_assert_uint_eq(ny.npeople, 0);
}
END_TEST

/* The summary block, its empty-fields row, and "9:54:15 AM" with one hour digit. */
START_TEST(test_corpus_full)
{
	struct zoom_report full, table;

	parse_file(HEROES_FULL, NY, &full);
	assert_heroes(&full, -5, 3);
	ck_assert_str_eq(full.topic, "Heroes meeting");
	ck_assert_int_eq(full.meeting_start, at(2021, 11, 19, 15, 0, 0, 0));
	ck_assert_int_eq(full.meeting_end, at(2021, 11, 19, 17, 0, 0, 0));
	parse_file(HEROES, NY, &table);
	for (size_t i = 0; i < full.npeople; i++) {
		ck_assert_str_eq(full.people[i].email, table.people[i].email);
		ck_assert_str_eq(full.people[i].name, table.people[i].name);
		ck_assert_int_eq(full.people[i].join, table.people[i].join);
		ck_assert_int_eq(full.people[i].leave, table.people[i].leave);
		ck_assert_int_eq(full.people[i].seconds, table.people[i].seconds);
		ck_assert_int_eq(full.people[i].line, table.people[i].line + 3);
	}
	zoom_report_release(&full);
	zoom_report_release(&table);
	parse_file(HEROES_FULL, AMS, &full);
	assert_heroes(&full, 1, 3);
	ck_assert_int_eq(full.meeting_start, at(2021, 11, 19, 9, 0, 0, 0));
	ck_assert_int_eq(full.meeting_end, at(2021, 11, 19, 11, 0, 0, 0));
	zoom_report_release(&full);
}
END_TEST

/*
 * Rejoins: rows matched by email in any case, by name (any case) without an email, never
 * an email row with a name-only row, even of the same name; visits that overlap, lie inside another, touch, or
 * leave a gap. Also a BOM, CRLF, the older "Name" and "Email" columns, a name with a line
 * break and a TAB, a row with nobody on it and a row of empty fields.
 */
START_TEST(test_rejoin)
{
	struct zoom_report r;
	const struct zoom_attendee *p;

	parse_file(DATA "rejoin.csv", NY, &r);
	ck_assert_uint_eq(r.npeople, 7);
	ck_assert_int_eq(r.skipped, 1);
	p = &r.people[0];
	ck_assert_str_eq(p->email, "ada@example.org");
	/* Line 2's name, though line 4 joined earlier. */
	ck_assert_str_eq(p->name, "Ada Lovelace");
	assert_person(p, at(2027, 1, 15, 9, 0, 0, -5), at(2027, 1, 15, 10, 30, 0, -5),
	    45 * 60 + 30 * 60, 4, 2);
	p = &r.people[1];
	ck_assert_str_eq(p->email, "grace@example.org");
	assert_person(p, at(2027, 1, 15, 9, 5, 0, -5), at(2027, 1, 15, 11, 0, 0, -5),
	    115 * 60, 2, 3);
	p = &r.people[2];
	ck_assert_ptr_null(p->email);
	ck_assert_str_eq(p->name, "Dial-in User");
	assert_person(p, at(2027, 1, 15, 9, 10, 0, -5), at(2027, 1, 15, 10, 0, 0, -5),
	    40 * 60, 2, 7);
	p = &r.people[3];
	ck_assert_str_eq(p->email, "lb@example.org");
	ck_assert_str_eq(p->name, "Line Break Name");
	assert_person(p, at(2027, 1, 15, 9, 0, 0, -5), at(2027, 1, 15, 9, 1, 0, -5), 60, 1, 11);
	p = &r.people[4];
	ck_assert_ptr_null(p->email);
	ck_assert_str_eq(p->name, "Ada Lovelace");
	assert_person(p, at(2027, 1, 15, 9, 0, 0, -5), at(2027, 1, 15, 9, 5, 0, -5), 300, 1, 14);
	p = person(&r, "eve@example.org", NULL);
	ck_assert_ptr_null(p->name);
	assert_person(p, at(2027, 1, 15, 9, 30, 0, -5), at(2027, 1, 15, 10, 0, 0, -5), 1800, 1,
	    15);
	ck_assert_ptr_eq(person(&r, NULL, "Dial-in User"), &r.people[2]);
	/* Another Ada, with an email: the name-only row is still nobody's rejoin. */
	p = &r.people[6];
	ck_assert_str_eq(p->email, "lovelace@example.net");
	ck_assert_str_eq(p->name, "Ada Lovelace");
	assert_person(p, at(2027, 1, 15, 9, 0, 0, -5), at(2027, 1, 15, 9, 2, 0, -5), 120, 1, 16);
	zoom_report_release(&r);

	parse_file(DATA "rejoin.csv", AMS, &r);
	p = person(&r, "ada@example.org", NULL);
	assert_person(p, at(2027, 1, 15, 9, 0, 0, 1), at(2027, 1, 15, 10, 30, 0, 1), 4500, 4, 2);
	zoom_report_release(&r);
}
END_TEST

/* Newer headers in lower case, a summary without a topic, 24-hour and ISO times. */
START_TEST(test_times_24_and_iso)
{
	struct zoom_report r;
	const struct zoom_attendee *p;

	parse_file(DATA "times24.csv", AMS, &r);
	ck_assert_uint_eq(r.npeople, 5);
	ck_assert_ptr_null(r.topic);
	ck_assert_int_eq(r.meeting_start, at(2021, 11, 19, 13, 0, 0, 0));
	ck_assert_int_eq(r.meeting_end, at(2021, 11, 19, 15, 0, 0, 0));
	p = person(&r, "host@example.org", NULL);
	assert_person(p, at(2021, 11, 19, 12, 55, 0, 0), at(2021, 11, 19, 15, 1, 30, 0),
	    2 * 3600 + 6 * 60 + 30, 1, 5);
	p = person(&r, "iso@example.org", NULL);
	assert_person(p, at(2021, 11, 19, 13, 5, 0, 0), at(2021, 11, 19, 14, 0, 0, 0), 3300, 1, 6);
	p = person(&r, "short@example.org", NULL);
	assert_person(p, at(2021, 11, 19, 13, 5, 0, 0), at(2021, 11, 19, 14, 0, 0, 0), 3300, 1, 7);
	/* An explicit offset wins over the zone. */
	p = person(&r, "utc@example.org", NULL);
	assert_person(p, at(2021, 11, 19, 13, 10, 0, 0), at(2021, 11, 19, 14, 0, 0, 0), 3000, 1,
	    8);
	/* "2:05:00 pm" after a narrow no-break space, "3:00:00 PM" after a no-break space. */
	p = person(&r, "nbsp@example.org", NULL);
	assert_person(p, at(2021, 11, 19, 13, 5, 0, 0), at(2021, 11, 19, 14, 0, 0, 0), 3300, 1, 9);
	zoom_report_release(&r);
}
END_TEST

/* 12 AM is the hour after midnight, 12 PM the hour after noon; the zone's offset of the day. */
START_TEST(test_twelve_hour)
{
	ck_assert_int_eq(join_of("03/01/2027 12:00:00 AM", NY), at(2027, 3, 1, 0, 0, 0, -5));
	ck_assert_int_eq(join_of("03/01/2027 12:59:59 AM", NY), at(2027, 3, 1, 0, 59, 59, -5));
	ck_assert_int_eq(join_of("03/01/2027 1:00:00 AM", NY), at(2027, 3, 1, 1, 0, 0, -5));
	ck_assert_int_eq(join_of("03/01/2027 11:59:59 AM", NY), at(2027, 3, 1, 11, 59, 59, -5));
	ck_assert_int_eq(join_of("03/01/2027 12:00:00 PM", NY), at(2027, 3, 1, 12, 0, 0, -5));
	ck_assert_int_eq(join_of("03/01/2027 12:30:00 pm", NY), at(2027, 3, 1, 12, 30, 0, -5));
	ck_assert_int_eq(join_of("03/01/2027 1:00:00 PM", NY), at(2027, 3, 1, 13, 0, 0, -5));
	ck_assert_int_eq(join_of("03/01/2027 11:59:59 PM", NY), at(2027, 3, 1, 23, 59, 59, -5));
	ck_assert_int_eq(join_of("03/01/2027 00:00:00", NY), at(2027, 3, 1, 0, 0, 0, -5));
	ck_assert_int_eq(join_of("02/29/2028 23:59:59", AMS), at(2028, 2, 29, 23, 59, 59, 1));
	/* Summer time: New York is 4 hours behind UTC, Amsterdam 2 ahead. */
	ck_assert_int_eq(join_of("07/01/2027 12:15:00 AM", NY), at(2027, 7, 1, 0, 15, 0, -4));
	ck_assert_int_eq(join_of("07/01/2027 12:15:00 PM", AMS), at(2027, 7, 1, 12, 15, 0, 2));
}
END_TEST

/* Times that are not, each failing the whole file with the line and the column. */
START_TEST(test_bad_times)
{
	static const char *const bad[] = {
		"03/01/2027 0:30:00 AM", "03/01/2027 13:00:00 PM", "03/01/2027 24:00:00",
		"13/01/2027 10:00:00 AM", "02/29/2027 10:00:00 AM", "04/31/2027 10:00:00 AM",
		"03/01/27 10:00:00 AM", "03/01/2027 10:60:00 AM", "03/01/2027 10:00:60",
		"03/01/2027", "2027-03-01", "2027-03-01 25:00:00", "03/01/2027 10:00:00 XM",
		"03/01/2027 10:00:00 AM extra", "yesterday", "", "03-01-2027 10:00:00",
		"12/31/1969 11:00:00 PM", "03/01/202710:00:00",
	};
	char want[ERR_MAX];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *text = one_row(bad[i], "03/01/2027 11:00:00 PM");

		snprintf(want, sizeof(want), "p.csv:2: Join Time: \"%s\" is not a time (%s)",
		    bad[i], EXAMPLE);
		FAILS(text, want);
		free(text);
		text = one_row("03/01/2027 10:00:00 AM", bad[i]);
		snprintf(want, sizeof(want), "p.csv:2: Leave Time: \"%s\" is not a time (%s)",
		    bad[i], EXAMPLE);
		FAILS(text, want);
		free(text);
	}
}
END_TEST

/* The real reports, broken in one place each. */
START_TEST(test_broken_corpus)
{
	size_t len;
	char *text;

	/* November has 30 days; a day-first date has no 19th month. */
	text = mutate(HEROES, "11/19/2021 10:08:10 AM", "11/31/2021 10:08:10 AM");
	FAILS(text, "p.csv:4: Join Time: \"11/31/2021 10:08:10 AM\" is not a time (" EXAMPLE ")");
	free(text);
	text = mutate(HEROES_FULL, "11/19/2021 10:17:18 AM", "19/11/2021 10:17:18 AM");
	FAILS(text, "p.csv:7: Leave Time: \"19/11/2021 10:17:18 AM\" is not a time (" EXAMPLE ")");
	free(text);
	text = mutate(HEROES_FULL, "11/19/2021 12:00:00 PM", "11/19/2021 12:00 noon");
	FAILS(text, "p.csv:2: End Time: \"11/19/2021 12:00 noon\" is not a time (" EXAMPLE ")");
	free(text);
	text = mutate(HEROES, "11/19/2021 10:17:18 AM", "11/19/2021 10:07:18 AM");
	FAILS(text, "p.csv:4: Leave Time: \"11/19/2021 10:07:18 AM\" is before the Join Time "
	    "\"11/19/2021 10:08:10 AM\" (the report has been edited or is damaged: export it "
	    "again from Zoom)");
	free(text);
	/* An older Latin-1 export. */
	text = mutate(HEROES_FULL, "014_Clea", "014_Cl\xe9" "a");
	FAILS(text, "p.csv:7: not UTF-8 (save the export as UTF-8)");
	free(text);
	/* Only the summary block: the table is missing. */
	text = slurp(HEROES_FULL, &len);
	*strstr(text, ",,,,,,") = '\0';
	FAILS(text, "p.csv: no participant table (a header with Join Time and Leave Time); is "
	    "this a Zoom participant report?");
	free(text);
}
END_TEST

START_TEST(test_broken_other)
{
	size_t len;
	char *text = slurp("tests/unit/data/bank/ing.csv", &len);

	/* A bank statement given as an attendance report. */
	fails(text, len, NY, "p.csv: no participant table (a header with Join Time and Leave "
	    "Time); is this a Zoom participant report?");
	free(text);
	fails("", 0, NY, "p.csv: empty file: no participant report in it (export the report "
	    "again from Zoom)");
	FAILS("\xef\xbb\xbf\r\n,,,,\r\n \r\n", "p.csv: empty file: no participant report in it "
	    "(export the report again from Zoom)");
	fails("\xff\xfeN\0a\0", 6, NY, "p.csv:1: UTF-16 text, not UTF-8 (save the export as "
	    "UTF-8)");
	fails("Name,Join Time\n\0", 16, NY, "p.csv:2: NUL byte: not a text file (save the export "
	    "as UTF-8)");
	FAILS("Name (Original Name),User Email,Join Time,Leave Time\r\n",
	    "p.csv:1: the participant table has no rows (export the report again from Zoom)");
	FAILS("Meeting ID,Topic\n1,x\n\nName,Email,Join Time,Leave Time\n,,03/01/2027 10:00 AM,"
	    "03/01/2027 11:00 AM\n", "p.csv:4: the participant table has no participant with a "
	    "name or email (export the report again from Zoom)");
	FAILS("Guest,Join Time,Leave Time\nYes,03/01/2027 10:00 AM,03/01/2027 11:00 AM\n",
	    "p.csv:1: the participant table has neither a \"Name (Original Name)\" nor a \"User "
	    "Email\" column (export the report with names and emails)");
	FAILS("Name,Join Time,Leave Time\n\"Ann,03/01/2027 10:00 AM\n",
	    "p.csv:2: unterminated quoted field");
	text = one_row("03/01/2027 10:00:00 AM", "03/01/2027 11:00:00 AM");
	fails(text, strlen(text), "Mars/Olympus_Mons", "p.csv: \"Mars/Olympus_Mons\" is not a "
	    "time zone");
	free(text);
}
END_TEST

static Suite *
zoom_suite(void)
{
	Suite *s = suite_create("zoom");
	TCase *corpus = tcase_create("corpus"), *merge = tcase_create("merge");
	TCase *times = tcase_create("times"), *broken = tcase_create("broken");

	tcase_add_test(corpus, test_corpus_table);
	tcase_add_test(corpus, test_corpus_full);
	suite_add_tcase(s, corpus);
	tcase_add_test(merge, test_rejoin);
	suite_add_tcase(s, merge);
	tcase_add_test(times, test_times_24_and_iso);
	tcase_add_test(times, test_twelve_hour);
	tcase_add_test(times, test_bad_times);
	suite_add_tcase(s, times);
	tcase_add_test(broken, test_broken_corpus);
	tcase_add_test(broken, test_broken_other);
	suite_add_tcase(s, broken);
	return s;
}

UNIT_MAIN(zoom_suite)
