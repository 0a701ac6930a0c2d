/*
 * ical.c: iCalendar feeds -> struct feed. Small fixtures in tests/unit/data/ical/ (one rule
 * each, described in the fixture names and below), and every real-world file of the shared
 * corpus: each one is parsed or rejected with a reason, twice with the same result.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "feed.h"
#include "ical.h"
#include "unit.h"
#include "util.h"

#define DATA	"tests/unit/data/ical/"
#define ICS	CORPUS_DIR "/ics/"
#define ZONE	"Europe/Amsterdam"

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *d;
	long n;

	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ck_assert_int_ge(n, 0);
	rewind(f);
	d = xmalloc((size_t)n + 1);
	ck_assert_uint_eq(fread(d, 1, (size_t)n, f), (size_t)n);
	d[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return d;
}

/* Parse a file; the data buffer is freed before returning, so the feed must own its text. */
static int
parse_file(const char *path, enum ical_layout layout, struct feed *f, char err[ERR_MAX])
{
	size_t len;
	char *d = slurp(path, &len);
	int rc;

	feed_init(f);
	err[0] = '\0';
	rc = ical_parse(d, len, layout, ZONE, f, err);
	free(d);
	return rc;
}

static int
parse_text(const char *text, enum ical_layout layout, struct feed *f, char err[ERR_MAX])
{
	size_t len = strlen(text);
	char *d = xmalloc(len ? len : 1);	/* no NUL after the data: ical_parse must not need one */
	int rc;

	memcpy(d, text, len);
	feed_init(f);
	err[0] = '\0';
	rc = ical_parse(d, len, layout, ZONE, f, err);
	free(d);
	return rc;
}

static const struct feed_session *
session(const struct feed *f, const char *id)
{
	for (size_t i = 0; i < f->nsessions; i++)
		if (strcmp(f->sessions[i].id, id) == 0)
			return &f->sessions[i];
	ck_abort_msg("no session %s", id);
	return NULL;
}

static const struct feed_booking *
booking(const struct feed *f, const char *session_id, const char *email)
{
	for (size_t i = 0; i < f->nbookings; i++)
		if (strcmp(f->bookings[i].session_id, session_id) == 0 &&
		    strcmp(f->bookings[i].email, email) == 0)
			return &f->bookings[i];
	return NULL;
}

static size_t
bookings_in(const struct feed *f, const char *session_id)
{
	size_t n = 0;

	for (size_t i = 0; i < f->nbookings; i++)
		n += strcmp(f->bookings[i].session_id, session_id) == 0;
	return n;
}

static int
warned(const struct feed *f, const char *needle)
{
	for (size_t i = 0; i < f->nwarnings; i++)
		if (strstr(f->warnings[i], needle) != NULL)
			return 1;
	return 0;
}

static time_t
utc(int y, int mo, int d, int h, int mi)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
	    .tm_min = mi };

	return timegm(&tm);
}

static void
str_eq_null(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		ck_assert_ptr_eq(a, b);
	else
		ck_assert_str_eq(a, b);
}

/* No control character (C0 but '\n' where allowed, DEL, C1) and valid UTF-8. */
static void
assert_clean(const char *s, int newlines_ok)
{
	const unsigned char *p = (const unsigned char *)s;

	if (s == NULL)
		return;
	ck_assert_msg(utf8_valid(s, strlen(s), NULL), "not UTF-8: %s", s);
	for (; *p; p++) {
		ck_assert_msg(*p >= 0x20 || (*p == '\n' && newlines_ok), "control 0x%02x in '%s'",
		    *p, s);
		ck_assert_msg(*p != 0x7f, "DEL in '%s'", s);
		ck_assert_msg(!(p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f), "C1 in '%s'", s);
	}
}

/* What feed.h promises about every feed, whatever the input. */
static void
assert_feed_sane(const struct feed *f)
{
	for (size_t i = 0; i < f->nsessions; i++) {
		const struct feed_session *s = &f->sessions[i];

		ck_assert_ptr_nonnull(s->id);
		ck_assert_msg(s->id[0] != '\0', "empty session id");
		assert_clean(s->id, 0);
		assert_clean(s->title, 0);
		assert_clean(s->location, 0);
		assert_clean(s->url, 0);
		assert_clean(s->description, 1);
		ck_assert_msg(s->end >= s->start, "session %s ends before it starts", s->id);
		ck_assert_int_ge(s->meetings, 0);
		ck_assert_int_le(s->meetings, 1000);
		ck_assert(s->capacity == -1 || s->capacity > 0);
		ck_assert(s->price >= -1);
	}
	for (size_t i = 0; i < f->nbookings; i++) {
		const struct feed_booking *b = &f->bookings[i];
		int known = 0;

		ck_assert_msg(email_valid(b->email), "bad email %s", b->email);
		for (const char *p = b->email; *p; p++)
			ck_assert_msg(!(*p >= 'A' && *p <= 'Z'), "email not lower-cased: %s", b->email);
		assert_clean(b->name, 0);
		if (b->language != NULL)
			ck_assert_uint_eq(strlen(b->language), 2);
		for (size_t k = 0; k < f->nsessions && !known; k++)
			known = strcmp(f->sessions[k].id, b->session_id) == 0;
		ck_assert_msg(known, "booking for unknown session %s", b->session_id);
		for (size_t k = 0; k < i; k++)
			ck_assert_msg(strcmp(f->bookings[k].session_id, b->session_id) != 0 ||
			    strcmp(f->bookings[k].email, b->email) != 0,
			    "%s booked twice in %s", b->email, b->session_id);
	}
	for (size_t i = 0; i < f->nwarnings; i++)
		assert_clean(f->warnings[i], 0);
}

static void
assert_feeds_equal(const struct feed *a, const struct feed *b)
{
	ck_assert_uint_eq(a->nsessions, b->nsessions);
	ck_assert_uint_eq(a->nbookings, b->nbookings);
	ck_assert_uint_eq(a->nwarnings, b->nwarnings);
	for (size_t i = 0; i < a->nsessions; i++) {
		const struct feed_session *x = &a->sessions[i], *y = &b->sessions[i];

		ck_assert_str_eq(x->id, y->id);
		str_eq_null(x->title, y->title);
		str_eq_null(x->location, y->location);
		str_eq_null(x->url, y->url);
		str_eq_null(x->description, y->description);
		str_eq_null(x->tzid, y->tzid);
		str_eq_null(x->recurrence, y->recurrence);
		ck_assert(x->start == y->start && x->end == y->end);
		ck_assert_int_eq(x->meetings, y->meetings);
		ck_assert_int_eq(x->capacity, y->capacity);
		ck_assert(x->price == y->price);
		ck_assert_int_eq(x->cancelled, y->cancelled);
	}
	for (size_t i = 0; i < a->nbookings; i++) {
		const struct feed_booking *x = &a->bookings[i], *y = &b->bookings[i];

		ck_assert_str_eq(x->session_id, y->session_id);
		ck_assert_str_eq(x->email, y->email);
		str_eq_null(x->name, y->name);
		str_eq_null(x->language, y->language);
		ck_assert(x->booked_at == y->booked_at);
		ck_assert_int_eq(x->cancelled, y->cancelled);
		ck_assert_int_eq(x->line, y->line);
	}
	for (size_t i = 0; i < a->nwarnings; i++)
		ck_assert_str_eq(a->warnings[i], b->warnings[i]);
}

/* ---- Windows zone names ---- */

START_TEST(test_windows_zone_table)
{
	ck_assert_str_eq(ical_windows_zone("W. Europe Standard Time"), "Europe/Berlin");
	ck_assert_str_eq(ical_windows_zone("Romance Standard Time"), "Europe/Paris");
	ck_assert_str_eq(ical_windows_zone("GMT Standard Time"), "Europe/London");
	ck_assert_str_eq(ical_windows_zone("Pacific Standard Time"), "America/Los_Angeles");
	ck_assert_str_eq(ical_windows_zone("AUS Eastern Standard Time"), "Australia/Sydney");
	ck_assert_ptr_null(ical_windows_zone("w. europe standard time"));	/* exact match */
	ck_assert_ptr_null(ical_windows_zone("W. Europe Standard Time "));
	ck_assert_ptr_null(ical_windows_zone("Europe/Amsterdam"));
	ck_assert_ptr_null(ical_windows_zone(""));
	ck_assert_ptr_null(ical_windows_zone(NULL));
	ck_assert_ptr_null(ical_windows_zone("# Windows zone names"));	/* the header line */
}
END_TEST

/* ---- attendees layout: attendees.ics ---- */

START_TEST(test_attendees_session)
{
	struct feed f;
	char err[ERR_MAX];
	const struct feed_session *s;

	ck_assert_int_eq(parse_file(DATA "attendees.ics", LAYOUT_ATTENDEES, &f, err), 0);
	assert_feed_sane(&f);
	ck_assert_uint_eq(f.nsessions, 5);	/* six VEVENTs, one without UID */
	s = session(&f, "feedback-2027-03@example.com");
	ck_assert_str_eq(s->title, "Effective feedback");
	/* TZID with a VTIMEZONE in the file: +01:00 in March */
	ck_assert(s->start == utc(2027, 3, 4, 8, 30));
	ck_assert(s->end == utc(2027, 3, 4, 16, 0));
	ck_assert_ptr_null(s->tzid);	/* "Trainer Local Time" is no IANA zone */
	ck_assert_str_eq(s->location, "Utrecht, Oudegracht 1");
	ck_assert_str_eq(s->url, "https://example.com/feedback");
	ck_assert_str_eq(s->description, "Day one.\nBring a laptop.");
	ck_assert_int_eq(s->capacity, 12);
	ck_assert(s->price == 29500);
	ck_assert_int_eq(s->meetings, 1);
	ck_assert_ptr_null(s->recurrence);
	ck_assert_int_eq(s->cancelled, 0);
	feed_release(&f);
}
END_TEST

START_TEST(test_attendees_bookings)
{
	struct feed f;
	char err[ERR_MAX];
	const struct feed_booking *b;
	const char *id = "feedback-2027-03@example.com";

	ck_assert_int_eq(parse_file(DATA "attendees.ics", LAYOUT_ATTENDEES, &f, err), 0);
	/* Jan (twice), Piet, Eve, Mallory; not the organizer, the room, tel: or a bad address */
	ck_assert_uint_eq(bookings_in(&f, id), 4);
	b = booking(&f, id, "jan@example.com");
	ck_assert_ptr_nonnull(b);
	ck_assert_str_eq(b->name, "Jan de Vries");
	ck_assert_str_eq(b->language, "nl");
	ck_assert_int_eq(b->cancelled, 0);
	ck_assert(b->booked_at == 0);
	ck_assert_int_eq(b->line, 30);
	b = booking(&f, id, "piet@example.nl");
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(b->cancelled, 1);	/* PARTSTAT=DECLINED */
	ck_assert_ptr_null(b->language);
	ck_assert_ptr_null(booking(&f, id, "trainer@example.com"));
	ck_assert_ptr_null(booking(&f, id, "room4@example.com"));
	ck_assert_str_eq(booking(&f, id, "eve@example.org")->language, "en");
	ck_assert(warned(&f, "line 33: jan@example.com is booked twice"));
	ck_assert(warned(&f, "line 34: attendee 'mailto:not-an-address' has no valid mailto:"));
	ck_assert(warned(&f, "line 35: attendee 'tel:+31201234567'"));
	ck_assert(warned(&f, "line 53: event 'No UID here' has no UID; skipped"));
	feed_release(&f);
}
END_TEST

/* CN="Eve^nBcc: ..." (RFC 6868 newline) and raw C0/ESC/C1 bytes never reach a name. */
START_TEST(test_attendees_control_chars)
{
	struct feed f;
	char err[ERR_MAX];
	const struct feed_booking *b;
	const char *id = "feedback-2027-03@example.com";

	ck_assert_int_eq(parse_file(DATA "attendees.ics", LAYOUT_ATTENDEES, &f, err), 0);
	b = booking(&f, id, "eve@example.org");
	ck_assert_ptr_nonnull(b);
	ck_assert_str_eq(b->name, "Eve Bcc: evil@example.com");
	b = booking(&f, id, "mallory@example.org");
	ck_assert_ptr_nonnull(b);
	ck_assert_str_eq(b->name, "Mallory[31m");
	assert_feed_sane(&f);
	feed_release(&f);

	/* CR, LF, TAB and NUL-less controls inside a CN written inline */
	ck_assert_int_eq(parse_text("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:u\r\n"
	    "DTSTART:20270104T090000Z\r\n"
	    "ATTENDEE;CN=\"A\tB^n^nSubject: hi\x7f\":mailto:a@example.com\r\n"
	    "ATTENDEE;CN=\"\xc2\x9b" "C\":mailto:c@example.com\r\n"
	    "END:VEVENT\r\nEND:VCALENDAR\r\n", LAYOUT_ATTENDEES, &f, err), 0);
	ck_assert_uint_eq(f.nbookings, 2);
	ck_assert_str_eq(f.bookings[0].name, "A B  Subject: hi");
	ck_assert_str_eq(f.bookings[1].name, "C");
	assert_feed_sane(&f);
	feed_release(&f);
}
END_TEST

START_TEST(test_cancelled_floating_date)
{
	struct feed f;
	char err[ERR_MAX];
	const struct feed_session *s;

	ck_assert_int_eq(parse_file(DATA "attendees.ics", LAYOUT_ATTENDEES, &f, err), 0);
	s = session(&f, "cancelled-2027-03@example.com");
	ck_assert_int_eq(s->cancelled, 1);
	/* floating 10:00 is wall time in the default zone (CET) */
	ck_assert(s->start == utc(2027, 3, 10, 9, 0));
	ck_assert(s->end == utc(2027, 3, 10, 11, 0));
	ck_assert_str_eq(s->tzid, ZONE);
	ck_assert_int_eq(booking(&f, s->id, "ann@example.com")->cancelled, 0);
	/* DATE: local midnight to the next local midnight (CEST from 28 March) */
	s = session(&f, "day-2027-04-01@example.com");
	ck_assert(s->start == utc(2027, 3, 31, 22, 0));
	ck_assert(s->end == utc(2027, 4, 1, 22, 0));
	feed_release(&f);
}
END_TEST

START_TEST(test_bad_values)
{
	struct feed f;
	char err[ERR_MAX];
	const struct feed_session *s;

	ck_assert_int_eq(parse_file(DATA "attendees.ics", LAYOUT_ATTENDEES, &f, err), 0);
	s = session(&f, "bad-values@example.com");
	ck_assert_int_eq(s->capacity, -1);
	ck_assert(s->price == -1);
	ck_assert(s->end == utc(2027, 4, 5, 10, 30));	/* DURATION:PT2H30M */
	ck_assert(warned(&f, "X-NOSHOWD-CAPACITY 'twelve' is not a whole number"));
	ck_assert(warned(&f, "X-NOSHOWD-PRICE 'EUR 295' is not an amount like 295.00"));
	s = session(&f, "no-end@example.com");
	ck_assert(s->end == s->start + 3600);	/* no DTEND or DURATION: one hour */
	ck_assert(s->price == 0);		/* a free session is a price */
	ck_assert_int_eq(s->capacity, -1);	/* 0 seats is not a capacity */
	ck_assert(warned(&f, "X-NOSHOWD-CAPACITY '0'"));
	feed_release(&f);
}
END_TEST

/* ---- time zones: zones.ics ---- */

START_TEST(test_zones)
{
	struct feed f;
	char err[ERR_MAX];
	const struct feed_session *s;

	ck_assert_int_eq(parse_file(DATA "zones.ics", LAYOUT_ATTENDEES, &f, err), 0);
	assert_feed_sane(&f);
	/* a Windows name without VTIMEZONE: Amsterdam's (= Berlin's) wall time */
	s = session(&f, "windows@example.com");
	ck_assert(s->start == utc(2027, 7, 5, 7, 0));
	ck_assert(s->end == utc(2027, 7, 5, 15, 0));
	ck_assert_str_eq(s->tzid, "Europe/Berlin");
	ck_assert(session(&f, "windows-winter@example.com")->start == utc(2027, 1, 15, 8, 0));
	s = session(&f, "iana@example.com");
	ck_assert(s->start == utc(2027, 1, 15, 14, 0));
	ck_assert_str_eq(s->tzid, "America/New_York");
	s = session(&f, "unknown@example.com");
	ck_assert(s->start == utc(2027, 1, 15, 8, 0));	/* read as the default zone */
	ck_assert(warned(&f, "unknown time zone 'Mars/Olympus Mons'; times read as "
	    "Europe/Amsterdam"));
	s = session(&f, "utc@example.com");
	ck_assert(s->start == utc(2027, 1, 15, 9, 0));
	ck_assert_ptr_null(s->tzid);
	s = session(&f, "prefixed@example.com");
	ck_assert(s->start == utc(2027, 7, 5, 8, 0));
	ck_assert_str_eq(s->tzid, "Europe/London");
	ck_assert(session(&f, "floating-summer@example.com")->start == utc(2027, 7, 5, 7, 0));
	ck_assert_uint_eq(f.nwarnings, 1);
	feed_release(&f);
}
END_TEST

START_TEST(test_default_zone_utc)
{
	struct feed f;
	char err[ERR_MAX];
	const char *text = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\nDTSTART:20270705T090000\n"
	    "END:VEVENT\nEND:VCALENDAR\n";

	feed_init(&f);
	ck_assert_int_eq(ical_parse(text, strlen(text), LAYOUT_ATTENDEES, NULL, &f, err), 0);
	ck_assert(f.sessions[0].start == utc(2027, 7, 5, 9, 0));
	feed_release(&f);
	feed_init(&f);
	ck_assert_int_eq(ical_parse(text, strlen(text), LAYOUT_ATTENDEES, "Nowhere/Land", &f, err),
	    0);
	ck_assert(f.sessions[0].start == utc(2027, 7, 5, 9, 0));
	ck_assert(warned(&f, "default time zone 'Nowhere/Land' is unknown"));
	feed_release(&f);
}
END_TEST

/* ---- courses: course.ics ---- */

START_TEST(test_course)
{
	struct feed f;
	char err[ERR_MAX];
	const struct feed_session *s;

	ck_assert_int_eq(parse_file(DATA "course.ics", LAYOUT_ATTENDEES, &f, err), 0);
	assert_feed_sane(&f);
	ck_assert_uint_eq(f.nsessions, 3);	/* instances make no sessions of their own */
	s = session(&f, "course-2027@example.com");
	ck_assert_str_eq(s->recurrence, "FREQ=WEEKLY;COUNT=8");
	/* 8 Mondays, less one EXDATE and one cancelled instance */
	ck_assert_int_eq(s->meetings, 6);
	ck_assert(s->start == utc(2027, 3, 1, 18, 0));
	ck_assert(s->end == utc(2027, 4, 19, 19, 30));	/* end of the last (CEST) meeting */
	ck_assert_str_eq(s->tzid, ZONE);
	/* Ann is in the master and an instance: once; Cas only in the moved instance */
	ck_assert_uint_eq(bookings_in(&f, s->id), 3);
	ck_assert_ptr_nonnull(booking(&f, s->id, "ann@example.com"));
	ck_assert_ptr_nonnull(booking(&f, s->id, "bob@example.com"));
	ck_assert_str_eq(booking(&f, s->id, "cas@example.com")->language, "en");
	ck_assert(!warned(&f, "booked twice"));
	/* no end to the rule: not counted, ends with its first meeting */
	s = session(&f, "weekly-open@example.com");
	ck_assert_int_eq(s->meetings, 0);
	ck_assert(s->end == utc(2027, 3, 2, 19, 0));
	/* DATE, UNTIL a date, EXDATE a date */
	s = session(&f, "days@example.com");
	ck_assert_int_eq(s->meetings, 4);
	ck_assert(s->start == utc(2027, 1, 3, 23, 0));
	ck_assert(s->end == utc(2027, 1, 8, 23, 0));
	feed_release(&f);
}
END_TEST

START_TEST(test_orphan_instances)
{
	struct feed f;
	char err[ERR_MAX];
	const struct feed_session *s;

	ck_assert_int_eq(parse_file(DATA "orphan.ics", LAYOUT_ATTENDEES, &f, err), 0);
	assert_feed_sane(&f);
	ck_assert_uint_eq(f.nsessions, 1);	/* the cancelled lone instance is no session */
	s = session(&f, "series-without-master@example.com");
	ck_assert_str_eq(s->title, "Moved meeting");	/* the first instance stands for it */
	ck_assert(s->start == utc(2027, 5, 11, 9, 0));
	ck_assert_uint_eq(bookings_in(&f, s->id), 2);
	ck_assert_ptr_nonnull(booking(&f, s->id, "bob@example.com"));
	feed_release(&f);
}
END_TEST

/* Rules libical would spend seconds to forever on are not handed to it. */
START_TEST(test_hostile_rules)
{
	struct feed f;
	char err[ERR_MAX];
	struct timespec a, b;
	double secs;

	clock_gettime(CLOCK_MONOTONIC, &a);
	ck_assert_int_eq(parse_file(DATA "hostile.ics", LAYOUT_ATTENDEES, &f, err), 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
	assert_feed_sane(&f);
	ck_assert_uint_eq(f.nsessions, 7);
	ck_assert(warned(&f, "time zone 'Every Second' in the feed has a rule other than once "
	    "a year; times read as Europe/Amsterdam"));
	ck_assert(session(&f, "evil-zone@example.com")->start == utc(2027, 1, 4, 8, 0));
	ck_assert_int_eq(session(&f, "secondly@example.com")->meetings, 0);
	ck_assert(warned(&f, "'Secondly': its RRULE repeats more often than daily"));
	ck_assert_int_eq(session(&f, "never-daily@example.com")->meetings, 1);
	ck_assert_int_eq(session(&f, "never-monthly@example.com")->meetings, 1);
	ck_assert(warned(&f, "'30 February every month': its RRULE matches no date"));
	ck_assert_int_eq(session(&f, "twice-a-day@example.com")->meetings, 0);
	ck_assert_int_eq(session(&f, "many@example.com")->meetings, 1000);
	ck_assert(warned(&f, "'Many meetings' has more than 1000 meetings; counted 1000"));
	ck_assert_int_eq(session(&f, "exactly@example.com")->meetings, 1000);
	ck_assert(session(&f, "exactly@example.com")->end == utc(2029, 9, 29, 10, 0));
	ck_assert(!warned(&f, "'Exactly a thousand'"));
	ck_assert_msg(secs < 5.0, "hostile feed took %.1f s", secs);
	feed_release(&f);
}
END_TEST

/*
 * Sparse rules that libical walks for decades, one after another: the feed's expansion
 * budget runs out and the rest are reported instead of expanded.
 */
START_TEST(test_expansion_budget)
{
	struct feed f;
	char err[ERR_MAX];
	struct buf b;
	int not_counted = 0;

	buf_init(&b);
	buf_addstr(&b, "BEGIN:VCALENDAR\r\n");
	for (int i = 0; i < 120; i++)
		buf_printf(&b, "BEGIN:VEVENT\r\nUID:leap-%d\r\nSUMMARY:29 February %d\r\n"
		    "DTSTART:20270104T090000Z\r\n"
		    "RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=29;UNTIL=29991231T000000Z\r\n"
		    "END:VEVENT\r\n", i, i);
	buf_addstr(&b, "END:VCALENDAR\r\n");
	ck_assert_int_eq(parse_text(b.data, LAYOUT_ATTENDEES, &f, err), 0);
	ck_assert_uint_eq(f.nsessions, 120);
	ck_assert_int_eq(f.sessions[0].meetings, 8);	/* 2028 ... 2056 */
	ck_assert(f.sessions[0].end == utc(2056, 2, 29, 10, 0));
	for (size_t i = 0; i < f.nsessions; i++)
		not_counted += f.sessions[i].meetings == 0;
	ck_assert_int_gt(not_counted, 0);
	ck_assert_int_eq(f.sessions[119].meetings, 0);
	ck_assert(warned(&f, "is one too many to expand in a feed this size"));
	feed_release(&f);
	buf_release(&b);
}
END_TEST

/* ---- event-per-booking layout: per-booking.ics ---- */

START_TEST(test_event_per_booking)
{
	struct feed f;
	char err[ERR_MAX];
	const struct feed_session *s;
	const struct feed_booking *b;
	const char *id = "effective-feedback-utrecht-20270304T0930";

	ck_assert_int_eq(parse_file(DATA "per-booking.ics", LAYOUT_EVENT_PER_BOOKING, &f, err), 0);
	assert_feed_sane(&f);
	ck_assert_uint_eq(f.nsessions, 2);
	/* SUMMARY + DTSTART, however DTSTART is written: booking-3 says 08:30Z */
	s = session(&f, id);
	ck_assert_str_eq(s->title, "Effective Feedback – Utrecht!");
	ck_assert(s->start == utc(2027, 3, 4, 8, 30));
	ck_assert(s->end == utc(2027, 3, 4, 16, 0));
	ck_assert_str_eq(s->location, "Utrecht");
	ck_assert(s->price == 29500);
	ck_assert_uint_eq(bookings_in(&f, id), 3);
	b = booking(&f, id, "jan@example.com");
	ck_assert_str_eq(b->language, "nl");
	ck_assert(b->booked_at == utc(2026, 12, 15, 8, 0));	/* the earlier of two CREATED */
	ck_assert(warned(&f, "jan@example.com is booked twice"));
	b = booking(&f, id, "piet@example.com");
	ck_assert_int_eq(b->cancelled, 1);
	ck_assert(b->booked_at == utc(2027, 1, 2, 12, 0));
	b = booking(&f, id, "kees@example.com");	/* X-NOSHOWD-EMAIL, booked at DTSTAMP */
	ck_assert_ptr_nonnull(b);
	ck_assert(b->booked_at == utc(2027, 1, 3, 0, 0));
	/* X-NOSHOWD-SESSION groups; the first VEVENT sets the session's times */
	s = session(&f, "course-42");
	ck_assert(s->start == utc(2027, 6, 1, 7, 0));
	ck_assert_uint_eq(bookings_in(&f, "course-42"), 3);
	ck_assert_ptr_null(booking(&f, "course-42", "trainer@example.com"));
	b = booking(&f, "course-42", "dirk@example.com");
	ck_assert_str_eq(b->name, "Dirk");
	ck_assert_int_eq(b->cancelled, 1);
	ck_assert(warned(&f, "booking 'Nobody' has no ATTENDEE or X-NOSHOWD-EMAIL; skipped"));
	feed_release(&f);
}
END_TEST

/* The same data read as attendees: every VEVENT its own session. */
START_TEST(test_per_booking_as_attendees)
{
	struct feed f;
	char err[ERR_MAX];

	ck_assert_int_eq(parse_file(DATA "per-booking.ics", LAYOUT_ATTENDEES, &f, err), 0);
	assert_feed_sane(&f);
	ck_assert_uint_eq(f.nsessions, 8);
	feed_release(&f);
}
END_TEST

/* ---- whole-feed rejections ---- */

START_TEST(test_bom)
{
	struct feed f;
	char err[ERR_MAX];

	ck_assert_int_eq(parse_file(DATA "bom.ics", LAYOUT_ATTENDEES, &f, err), 0);
	ck_assert_uint_eq(f.nsessions, 1);
	ck_assert_str_eq(f.sessions[0].title, "After a byte order mark");
	feed_release(&f);
}
END_TEST

START_TEST(test_not_utf8)
{
	struct feed f;
	char err[ERR_MAX];

	ck_assert_int_eq(parse_file(DATA "latin1.ics", LAYOUT_ATTENDEES, &f, err), -1);
	ck_assert_str_eq(err, "not UTF-8 at line 6 (re-export the feed as UTF-8)");
	ck_assert_uint_eq(f.nsessions + f.nbookings, 0);
	feed_release(&f);
}
END_TEST

START_TEST(test_truncated)
{
	struct feed f;
	char err[ERR_MAX];

	ck_assert_int_eq(parse_file(DATA "truncated.ics", LAYOUT_ATTENDEES, &f, err), -1);
	ck_assert_str_eq(err, "truncated: no END:VCALENDAR at the end");
	feed_release(&f);
	ck_assert_int_eq(parse_text("BEGIN:VCALENDAR\r\n", LAYOUT_ATTENDEES, &f, err), -1);
	ck_assert_str_eq(err, "truncated: no END:VCALENDAR at the end");
	feed_release(&f);
}
END_TEST

START_TEST(test_not_a_calendar)
{
	struct feed f;
	char err[ERR_MAX];

	ck_assert_int_eq(parse_text("<!DOCTYPE html>\n<html><body>Moved</body></html>\n",
	    LAYOUT_ATTENDEES, &f, err), -1);
	ck_assert_str_eq(err, "not an iCalendar file: first line is \"<!DOCTYPE html>\"");
	feed_release(&f);
	ck_assert_int_eq(parse_text("", LAYOUT_ATTENDEES, &f, err), -1);
	ck_assert_str_eq(err, "not an iCalendar file: it is empty");
	feed_release(&f);
	ck_assert_int_eq(parse_text(" \r\n\r\n", LAYOUT_ATTENDEES, &f, err), -1);
	ck_assert_str_eq(err, "not an iCalendar file: it is empty");
	feed_release(&f);
	ck_assert_int_eq(parse_text("\x1f\x8b\x08\xff\xfe BEGIN:VCALENDAR\n", LAYOUT_ATTENDEES,
	    &f, err), -1);
	ck_assert_str_eq(err, "not an iCalendar file: first line is \"????? BEGIN:VCALENDAR\"");
	feed_release(&f);
	feed_init(&f);
	ck_assert_int_eq(ical_parse(NULL, 0, LAYOUT_ATTENDEES, ZONE, &f, err), -1);
	feed_release(&f);
	/* a line that only starts like BEGIN:VCALENDAR */
	ck_assert_int_eq(parse_text("BEGIN:VCALENDARX\nEND:VCALENDAR\n", LAYOUT_ATTENDEES, &f,
	    err), -1);
	ck_assert(strstr(err, "not an iCalendar file") == err);
	feed_release(&f);
}
END_TEST

START_TEST(test_nul_and_nesting)
{
	struct feed f;
	char err[ERR_MAX];
	static const char nul[] = "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:a\0b\nEND:VEVENT\n"
	    "END:VCALENDAR\n";
	struct buf b;

	feed_init(&f);
	ck_assert_int_eq(ical_parse(nul, sizeof(nul) - 1, LAYOUT_ATTENDEES, ZONE, &f, err), -1);
	ck_assert_str_eq(err, "not a text file: NUL byte at line 3");
	feed_release(&f);

	buf_init(&b);
	buf_addstr(&b, "BEGIN:VCALENDAR\n");
	for (int i = 0; i < 100000; i++)
		buf_addstr(&b, "BEGIN:X-DEEP\n");
	for (int i = 0; i < 100000; i++)
		buf_addstr(&b, "END:X-DEEP\n");
	buf_addstr(&b, "END:VCALENDAR\n");
	ck_assert_int_eq(parse_text(b.data, LAYOUT_ATTENDEES, &f, err), -1);
	ck_assert_str_eq(err, "components nested more than 32 deep at line 33");
	feed_release(&f);
	buf_release(&b);
}
END_TEST

/* Two calendars glued together (libical returns an XROOT): both are read. */
START_TEST(test_two_calendars)
{
	struct feed f;
	char err[ERR_MAX];

	ck_assert_int_eq(parse_text("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:one\n"
	    "DTSTART:20270104T090000Z\nATTENDEE:mailto:a@example.com\nEND:VEVENT\nEND:VCALENDAR\n"
	    "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:two\nDTSTART:20270105T090000Z\n"
	    "ATTENDEE:mailto:b@example.com\nEND:VEVENT\nEND:VCALENDAR\n",
	    LAYOUT_ATTENDEES, &f, err), 0);
	ck_assert_uint_eq(f.nsessions, 2);
	ck_assert_uint_eq(f.nbookings, 2);
	ck_assert_int_eq(booking(&f, "two", "b@example.com")->line, 12);
	feed_release(&f);
}
END_TEST

/* A second VEVENT with a UID already seen adds its attendees to the first; mailto: query
   parts are no part of the address; warnings stop at 200 plus a count. */
START_TEST(test_duplicates_and_warning_cap)
{
	struct feed f;
	char err[ERR_MAX];
	struct buf b;

	ck_assert_int_eq(parse_text("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:same\nSUMMARY:First\n"
	    "DTSTART:20270104T090000Z\nATTENDEE;PARTSTAT=DECLINED:mailto:a@example.com\nEND:VEVENT\n"
	    "BEGIN:VEVENT\nUID:same\nSUMMARY:Second\nDTSTART:20270105T090000Z\n"
	    "ATTENDEE:mailto:a@example.com\nATTENDEE:mailto:b@example.com?subject=Hi\n"
	    "END:VEVENT\nEND:VCALENDAR\n", LAYOUT_ATTENDEES, &f, err), 0);
	ck_assert_uint_eq(f.nsessions, 1);
	ck_assert_str_eq(f.sessions[0].title, "First");
	ck_assert_uint_eq(f.nbookings, 2);
	ck_assert_int_eq(booking(&f, "same", "a@example.com")->cancelled, 0);	/* a seat wins */
	ck_assert_ptr_nonnull(booking(&f, "same", "b@example.com"));
	ck_assert(warned(&f, "line 8: another event with UID 'same'"));
	feed_release(&f);

	buf_init(&b);
	buf_addstr(&b, "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:u\nDTSTART:20270104T090000Z\n");
	for (int i = 0; i < 300; i++)
		buf_printf(&b, "ATTENDEE:mailto:nobody-%d\n", i);
	buf_addstr(&b, "END:VEVENT\nEND:VCALENDAR\n");
	ck_assert_int_eq(parse_text(b.data, LAYOUT_ATTENDEES, &f, err), 0);
	ck_assert_uint_eq(f.nbookings, 0);
	ck_assert_uint_eq(f.nwarnings, 201);
	ck_assert_str_eq(f.warnings[0], "line 5: attendee 'mailto:nobody-0' has no valid mailto: "
	    "address; skipped");
	ck_assert_str_eq(f.warnings[200], "100 more warnings not shown");
	feed_release(&f);
	buf_release(&b);
}
END_TEST

/* 10,000 attendees: every one booked once, with its own line. */
START_TEST(test_many_attendees)
{
	struct feed f;
	char err[ERR_MAX];
	struct buf b;
	int line = 1, n = 0;

	buf_init(&b);
	buf_addstr(&b, "BEGIN:VCALENDAR\r\n");
	for (int e = 0; e < 200; e++) {
		buf_printf(&b, "BEGIN:VEVENT\r\nUID:s%d\r\nDTSTART:20270104T090000Z\r\n", e);
		line += 3;
		for (int a = 0; a < 50; a++, n++)
			buf_printf(&b, "ATTENDEE;CN=P%d:mailto:p%d@example.com\r\n", n, n);
		line += 50;
		buf_addstr(&b, "END:VEVENT\r\n");
		line++;
	}
	buf_addstr(&b, "END:VCALENDAR\r\n");
	ck_assert_int_eq(parse_text(b.data, LAYOUT_ATTENDEES, &f, err), 0);
	ck_assert_uint_eq(f.nsessions, 200);
	ck_assert_uint_eq(f.nbookings, 10000);
	ck_assert_uint_eq(f.nwarnings, 0);
	ck_assert_str_eq(f.bookings[9999].email, "p9999@example.com");
	ck_assert_str_eq(f.bookings[9999].session_id, "s199");
	ck_assert_int_eq(f.bookings[9999].line, line - 1);
	feed_release(&f);
	buf_release(&b);
}
END_TEST

/* ---- the shared corpus ---- */

struct expect {
	const char *file;		/* without the owner__repo__ prefix check: a suffix */
	int rejected;			/* 1: err starts with `text` */
	const char *text;
	size_t sessions, bookings;
	const char *id;			/* a session to check, or NULL */
	const char *title;
	time_t start;
	int meetings;
};

static const struct expect corpus[] = {
	{ "latin1.ics", 1, "not UTF-8 at line 6", 0, 0, NULL, NULL, 0, 0 },
	{ "big_bad_calendar.ics", 1, "truncated: no END:VCALENDAR", 0, 0, NULL, NULL, 0, 0 },
	{ "bom_calendar.ics", 0, NULL, 0, 0, NULL, NULL, 0, 0 },
	{ "event_issue2151.ics", 0, NULL, 1, 3,
	  "XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
	  "Billings-task-setting follow-up series", 1769162400 /* 2026-01-23T10:00Z */, 27 },
	{ "google_calendar_public_holidays.ics", 0, NULL, 111, 0,
	  "20231110_rhv0a9kca8mmmdo4ei84ubu46s@google.com", "Veterans Day (substitute)",
	  1699570800 /* 2023-11-10 00:00 in Europe/Amsterdam */, 1 },
	{ "office_365_extended_timezone.ics", 0, NULL, 1, 0,
	  "040000008200E00074C5B7101A82E00800000000687C546B5596DA01000000000000000"
	  "010000000309AE93C8C3A94489F90ADBEA30C2F2B", "Uffe",
	  1714132800 /* W. Europe Standard Time, no VTIMEZONE: 14:00 CEST */, 1 },
	{ "ms_timezones.ics", 0, NULL, 3, 0,
	  "040000008200E00074C5B7101A82E00800000000C8CF296B9654D601000000000000000"
	  "01000000031C6A267A9E4A2489CEB57D709E7A37F", "Not the actual summary either",
	  1594148400 /* 2020-07-07 12:00 PDT */, 135 },
	{ "calconnect.ics", 0, NULL, 1, 1, "E88157FE01BE8A5C85256FDB006EBCC3-Lotus_Notes_Generated",
	  "5 day daily repeating meeting", 1113224400 /* 09:00 in VTIMEZONE "Eastern" */, 5 },
	{ "each_week_but_two_deleted.ics", 0, NULL, 1, 0, "SX2CURHKFTKKFFU3VUD7K", "test6",
	  1551655800 /* 2019-03-04 00:30 CET */, 6 },
	{ "vtimezone-year-0001-dtstart.ics", 0, NULL, 1, 0, "vtimezone-year-0001-test@node-ical",
	  "Test event with year-0001 VTIMEZONE", 1717228800 /* 10:00 CEST */, 1 },
	{ "issue_173_only_modifications_error.ics", 0, NULL, 496, 0, NULL, NULL, 0, 0 },
	{ "Outlook2007LineFolds.ics", 0, NULL, 1, 2, NULL, NULL, 0, 0 },
	{ "invite-7.ics", 0, NULL, 1, 1, "invite-detached", "Detached instance of recurring invite",
	  1525266000 /* the first lone instance: 2018-05-02T13:00Z */, 1 },
	{ "Office-2012-owa.ics", 0, NULL, 0, 0, NULL, NULL, 0, 0 },
	{ "duplicated_rrule.ics", 0, NULL, 1, 0, "56cdc4dc-11b7-407c-86c6-9faedfc28afb",
	  "My repeating event", 1673517600 /* 10:00 GMT */, 20 },
	{ "recur_instances.ics", 0, NULL, 1, 3, "623c13c0-6c2b-45d6-a12b-c33ad61c4868",
	  "Crazy Event Thingy!", 1349197200 /* 10:00 PDT */, 0 /* open-ended */ },
	{ "daylight_saving_time.ics", 0, NULL, 58, 5, NULL, NULL, 0, 0 },
	{ "fablab_cottbus.ics", 0, NULL, 28, 0, NULL, NULL, 0, 0 },
};

static const struct expect *
expected(const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++) {
		size_t k = strlen(corpus[i].file);

		if (n >= k && strcmp(name + n - k, corpus[i].file) == 0)
			return &corpus[i];
	}
	return NULL;
}

static void
check_corpus(enum ical_layout layout)
{
	DIR *d = opendir(ICS);
	struct dirent *e;
	int files = 0, parsed = 0, checked = 0;

	ck_assert_msg(d != NULL, "cannot open %s (run from the top of the tree)", ICS);
	while ((e = readdir(d)) != NULL) {
		char path[1024], err1[ERR_MAX], err2[ERR_MAX];
		struct feed f1, f2;
		const struct expect *x;
		int rc1, rc2;

		if (strlen(e->d_name) < 5 || strcmp(e->d_name + strlen(e->d_name) - 4, ".ics") != 0)
			continue;
		files++;
		snprintf(path, sizeof(path), "%s%s", ICS, e->d_name);
		rc1 = parse_file(path, layout, &f1, err1);
		rc2 = parse_file(path, layout, &f2, err2);
		ck_assert_msg(rc1 == 0 || rc1 == -1, "%s: rc %d", e->d_name, rc1);
		ck_assert_int_eq(rc1, rc2);
		if (rc1 < 0) {
			ck_assert_msg(err1[0] != '\0', "%s rejected without a reason", e->d_name);
			ck_assert_str_eq(err1, err2);
			ck_assert_uint_eq(f1.nsessions + f1.nbookings, 0);
		} else {
			parsed++;
			assert_feed_sane(&f1);
			assert_feeds_equal(&f1, &f2);
		}
		x = expected(e->d_name);
		if (x != NULL && layout == LAYOUT_ATTENDEES) {
			checked++;
			ck_assert_msg(rc1 == (x->rejected ? -1 : 0), "%s: rc %d (%s)", e->d_name, rc1,
			    err1);
			if (x->rejected) {
				ck_assert_msg(strstr(err1, x->text) == err1, "%s: %s", e->d_name, err1);
			} else {
				ck_assert_msg(f1.nsessions == x->sessions, "%s: %zu sessions",
				    e->d_name, f1.nsessions);
				ck_assert_msg(f1.nbookings == x->bookings, "%s: %zu bookings",
				    e->d_name, f1.nbookings);
			}
			if (x->id != NULL) {
				const struct feed_session *s = session(&f1, x->id);

				ck_assert_str_eq(s->title, x->title);
				ck_assert_msg(s->start == x->start, "%s: start %lld", e->d_name,
				    (long long)s->start);
				ck_assert_int_eq(s->meetings, x->meetings);
			}
		}
		feed_release(&f1);
		feed_release(&f2);
	}
	closedir(d);
	ck_assert_int_eq(files, 37);
	ck_assert_int_eq(parsed, 35);
	if (layout == LAYOUT_ATTENDEES)
		ck_assert_int_eq(checked, (int)(sizeof(corpus) / sizeof(corpus[0])));
}

START_TEST(test_corpus_attendees)
{
	check_corpus(LAYOUT_ATTENDEES);
}
END_TEST

START_TEST(test_corpus_event_per_booking)
{
	check_corpus(LAYOUT_EVENT_PER_BOOKING);
}
END_TEST

/* A few corpus facts that need more than the table. */
START_TEST(test_corpus_details)
{
	struct feed f;
	char err[ERR_MAX];
	const char *id = "E88157FE01BE8A5C85256FDB006EBCC3-Lotus_Notes_Generated";
	const char *ol = "040000008200E00074C5B7101A82E00800000000900AD080B5F2C901000000000000000"
	    "010000000B29680BF9E5DC246B5EDDE228038E71F";

	/* the ORGANIZER, also listed as CHAIR attendee, is not a booking; case folded */
	ck_assert_int_eq(parse_file(ICS "ical4j__ical4j__calconnect.ics", LAYOUT_ATTENDEES, &f,
	    err), 0);
	ck_assert_ptr_nonnull(booking(&f, id, "icalparticipant@coffeebean.com"));
	ck_assert_ptr_null(booking(&f, id, "icalchair@coffeebean.com"));
	feed_release(&f);
	/* folded lines (TAB continuation), the CUTYPE=RESOURCE room is no booking */
	ck_assert_int_eq(parse_file(ICS "ical-org__ical.net__Outlook2007LineFolds.ics",
	    LAYOUT_ATTENDEES, &f, err), 0);
	ck_assert_ptr_nonnull(booking(&f, ol, "some.attendee@event.com"));
	ck_assert_ptr_null(booking(&f, ol, "4th.floor.meeting.room@somewhere.com"));
	ck_assert(strstr(session(&f, ol)->location, "Whose Name Wraps Over Several Lines") != NULL);
	feed_release(&f);
	/* an empty calendar parses, and says so */
	ck_assert_int_eq(parse_file(ICS "collective__icalendar__bom_calendar.ics", LAYOUT_ATTENDEES,
	    &f, err), 0);
	ck_assert_uint_eq(f.nsessions, 0);
	ck_assert_uint_eq(f.nwarnings, 1);
	ck_assert_str_eq(f.warnings[0], "the calendar has no events (VEVENT)");
	feed_release(&f);
	/* raw newlines inside DESCRIPTION: the event is damaged, the feed still parses */
	ck_assert_int_eq(parse_file(ICS "u01jmg3__ics-parser__issue-343.ics", LAYOUT_ATTENDEES, &f,
	    err), 0);
	ck_assert(warned(&f, "unreadable content ignored"));
	feed_release(&f);
	/* a DTSTART libical cannot read skips that event with its line */
	ck_assert_int_eq(parse_file(ICS "jens-maus__node-ical__ms_timezones.ics", LAYOUT_ATTENDEES,
	    &f, err), 0);
	ck_assert(warned(&f, "line 145: event 'Log Yesterday's Jira time' has no usable DTSTART"));
	feed_release(&f);
}
END_TEST

static Suite *
ical_suite(void)
{
	Suite *s = suite_create("ical");
	TCase *t = tcase_create("parse");
	TCase *slow = tcase_create("corpus");

	tcase_add_test(t, test_windows_zone_table);
	tcase_add_test(t, test_attendees_session);
	tcase_add_test(t, test_attendees_bookings);
	tcase_add_test(t, test_attendees_control_chars);
	tcase_add_test(t, test_cancelled_floating_date);
	tcase_add_test(t, test_bad_values);
	tcase_add_test(t, test_zones);
	tcase_add_test(t, test_default_zone_utc);
	tcase_add_test(t, test_course);
	tcase_add_test(t, test_orphan_instances);
	tcase_add_test(t, test_event_per_booking);
	tcase_add_test(t, test_per_booking_as_attendees);
	tcase_add_test(t, test_bom);
	tcase_add_test(t, test_not_utf8);
	tcase_add_test(t, test_truncated);
	tcase_add_test(t, test_not_a_calendar);
	tcase_add_test(t, test_nul_and_nesting);
	tcase_add_test(t, test_two_calendars);
	tcase_add_test(t, test_duplicates_and_warning_cap);
	suite_add_tcase(s, t);

	/* these parse a lot, and much more slowly under valgrind */
	tcase_set_timeout(slow, 120);
	tcase_add_test(slow, test_hostile_rules);
	tcase_add_test(slow, test_expansion_budget);
	tcase_add_test(slow, test_many_attendees);
	tcase_add_test(slow, test_corpus_attendees);
	tcase_add_test(slow, test_corpus_event_per_booking);
	tcase_add_test(slow, test_corpus_details);
	suite_add_tcase(s, slow);
	return s;
}

UNIT_MAIN(ical_suite)
