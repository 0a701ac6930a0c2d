/*
 * invite.c: every invitation is parsed back with libical and compared field by field:
 * method, UID, SEQUENCE, times through the VTIMEZONE that was sent (winter, summer, the
 * DST switches, other zones), people, status; hostile names; folding at 75 octets between
 * UTF-8 characters; CRLF line ends.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libical/ical.h>

#include "invite.h"
#include "unit.h"
#include "util.h"

#define ZONE "Europe/Amsterdam"
#define UID "NS-7KQ2-4D@sail.example.nl"

static time_t
utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = s;
	return timegm(&tm);
}

static void
iv_init(struct invite *iv)
{
	memset(iv, 0, sizeof(*iv));
	iv->method = "REQUEST";
	iv->uid = UID;
	iv->sequence = 0;
	iv->stamp = utc(2026, 11, 20, 10, 15, 0);
	iv->start = utc(2026, 12, 8, 8, 0, 0);
	iv->end = utc(2026, 12, 8, 16, 30, 0);
	iv->zone = ZONE;
	iv->summary = "Zeilen voor beginners";
	iv->location = "Jachthaven De Kikker, Loosdrecht";
	iv->description = "Neem regenkleding mee.\nParkeren bij de haven.";
	iv->url = "https://sail.example.nl/b/NS-7KQ2-4D";
	iv->organizer_name = "Jan de Vries";
	iv->organizer_email = "jan@sail.example.nl";
	iv->attendee_name = "Zoe Smit";
	iv->attendee_email = "zoe@example.com";
}

/*
 * The shape every invitation must have: CRLF line ends only, the last line ended, no line
 * over 75 octets, and every physical line valid UTF-8 by itself, so no fold cut a
 * character in two.
 */
static void
check_text(const char *ics)
{
	size_t len = strlen(ics), start = 0;

	ck_assert_msg(len >= 2 && ics[len - 2] == '\r' && ics[len - 1] == '\n',
	    "does not end with CRLF");
	ck_assert_msg(utf8_valid(ics, len, NULL), "not UTF-8");
	for (size_t i = 0; i < len; i++) {
		if (ics[i] == '\r') {
			ck_assert_msg(ics[i + 1] == '\n', "bare CR at %zu", i);
		} else if (ics[i] == '\n') {
			size_t n = i - 1 - start;

			ck_assert_msg(i > 0 && ics[i - 1] == '\r', "bare LF at %zu", i);
			ck_assert_msg(n <= 75, "line of %zu octets: %.*s", n, (int)n, ics + start);
			ck_assert_msg(n > 0, "empty line at %zu", start);
			ck_assert_msg(utf8_valid(ics + start, n, NULL),
			    "fold splits a UTF-8 character: %.*s", (int)n, ics + start);
			start = i + 1;
		}
	}
}

static char *
build_ok(const struct invite *iv)
{
	char *ics = invite_build(iv);

	ck_assert_msg(ics != NULL, "invite_build failed");
	check_text(ics);
	return ics;
}

/* RFC 5545 3.1 unfolding: CRLF followed by one space or tab goes. */
static char *
unfold(const char *ics)
{
	struct buf b;

	buf_init(&b);
	buf_addstr(&b, "");
	for (const char *p = ics; *p; p++) {
		if (p[0] == '\r' && p[1] == '\n' && (p[2] == ' ' || p[2] == '\t')) {
			p += 2;
			continue;
		}
		buf_addch(&b, *p);
	}
	return buf_detach(&b);
}

static icalcomponent *
parse(const char *ics)
{
	icalcomponent *cal = icalparser_parse_string(ics);

	ck_assert_msg(cal != NULL, "libical cannot parse:\n%s", ics);
	ck_assert_int_eq(icalcomponent_isa(cal), ICAL_VCALENDAR_COMPONENT);
	return cal;
}

static icalcomponent *
vevent(icalcomponent *cal)
{
	icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);

	ck_assert(ev != NULL);
	ck_assert_ptr_null(icalcomponent_get_next_component(cal, ICAL_VEVENT_COMPONENT));
	return ev;
}

static icalproperty *
prop(icalcomponent *c, icalproperty_kind kind)
{
	icalproperty *p = icalcomponent_get_first_property(c, kind);

	ck_assert_msg(p != NULL, "no %s", icalproperty_kind_to_string(kind));
	ck_assert_msg(icalcomponent_get_next_property(c, kind) == NULL, "two %s",
	    icalproperty_kind_to_string(kind));
	return p;
}

static const char *
tzid_param(icalproperty *p)
{
	icalparameter *par = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);

	ck_assert_msg(par != NULL, "no TZID parameter");
	ck_assert_ptr_null(icalproperty_get_next_parameter(p, ICAL_TZID_PARAMETER));
	return icalparameter_get_tzid(par);
}

static const char *
cn(icalproperty *p)
{
	icalparameter *par = icalproperty_get_first_parameter(p, ICAL_CN_PARAMETER);

	ck_assert(par != NULL);
	return icalparameter_get_cn(par);
}

/* The properties of the event, in order, so that nothing was added by a hostile value. */
static void
check_event_props(icalcomponent *ev, const icalproperty_kind *want, size_t n)
{
	size_t i = 0;

	for (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_ANY_PROPERTY); p != NULL;
	    p = icalcomponent_get_next_property(ev, ICAL_ANY_PROPERTY), i++) {
		ck_assert_msg(i < n, "extra property %s", icalproperty_get_property_name(p));
		ck_assert_msg(icalproperty_isa(p) == want[i], "property %zu is %s", i,
		    icalproperty_get_property_name(p));
	}
	ck_assert_uint_eq(i, n);
}

static const icalproperty_kind all_props[] = {
	ICAL_UID_PROPERTY, ICAL_SEQUENCE_PROPERTY, ICAL_DTSTAMP_PROPERTY, ICAL_DTSTART_PROPERTY,
	ICAL_DTEND_PROPERTY, ICAL_SUMMARY_PROPERTY, ICAL_LOCATION_PROPERTY,
	ICAL_DESCRIPTION_PROPERTY, ICAL_URL_PROPERTY, ICAL_ORGANIZER_PROPERTY,
	ICAL_ATTENDEE_PROPERTY, ICAL_STATUS_PROPERTY, ICAL_TRANSP_PROPERTY,
};
#define NPROPS (sizeof(all_props) / sizeof(all_props[0]))

/*
 * A DTSTART or DTEND back to UTC through the VTIMEZONE in the calendar (not libical's own
 * copy of the zone), after checking that its TZID names that VTIMEZONE; or as it is, if
 * it was written in UTC.
 */
static time_t
to_utc(icalcomponent *cal, icalproperty *p, const char *zone)
{
	icalcomponent *vtz = icalcomponent_get_first_component(cal, ICAL_VTIMEZONE_COMPONENT);
	icaltimezone *tz;
	struct icaltimetype tt = icalvalue_get_datetime(icalproperty_get_value(p));
	time_t t;

	ck_assert(vtz != NULL);
	ck_assert_ptr_null(icalcomponent_get_next_component(cal, ICAL_VTIMEZONE_COMPONENT));
	ck_assert_str_eq(icalproperty_get_tzid(prop(vtz, ICAL_TZID_PROPERTY)), zone);
	if (icaltime_is_utc(tt)) {
		ck_assert_ptr_null(icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER));
		return icaltime_as_timet(tt);
	}
	ck_assert_str_eq(tzid_param(p), zone);
	tz = icaltimezone_new();
	ck_assert(icaltimezone_set_component(tz, icalcomponent_new_clone(vtz)));
	t = icaltime_as_timet_with_zone(tt, tz);
	icaltimezone_free(tz, 1);
	return t;
}

START_TEST(test_request)
{
	struct invite iv;
	icalcomponent *cal, *ev;
	icalproperty *p;
	char *ics, *flat;

	iv_init(&iv);
	iv.sequence = 3;
	ics = build_ok(&iv);
	flat = unfold(ics);
	ck_assert(strncmp(ics, "BEGIN:VCALENDAR\r\n", 17) == 0);
	ck_assert(strstr(flat, "\r\nPRODID:-//noshowd//noshowd 0.1//EN\r\n") != NULL);
	ck_assert(strstr(flat, "\r\nVERSION:2.0\r\n") != NULL);
	ck_assert(strstr(flat, "\r\nMETHOD:REQUEST\r\n") != NULL);
	ck_assert(strstr(flat, "\r\nDTSTAMP:20261120T101500Z\r\n") != NULL);
	ck_assert(strstr(flat, "\r\nDTSTART;TZID=Europe/Amsterdam:20261208T090000\r\n") != NULL);
	ck_assert(strstr(flat, "\r\nDTEND;TZID=Europe/Amsterdam:20261208T173000\r\n") != NULL);
	ck_assert(strstr(flat, "\r\nORGANIZER;CN=Jan de Vries:mailto:jan@sail.example.nl\r\n"));
	ck_assert(strstr(flat, "\r\nATTENDEE;CN=Zoe Smit;ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED;"
	    "RSVP=FALSE:mailto:zoe@example.com\r\n") != NULL);
	ck_assert(strstr(flat, "\r\nSTATUS:CONFIRMED\r\n") != NULL);
	ck_assert(strstr(flat, "\r\nTRANSP:OPAQUE\r\n") != NULL);

	cal = parse(ics);
	ck_assert_str_eq(icalproperty_get_prodid(prop(cal, ICAL_PRODID_PROPERTY)),
	    "-//noshowd//noshowd 0.1//EN");
	ck_assert_str_eq(icalproperty_get_version(prop(cal, ICAL_VERSION_PROPERTY)), "2.0");
	ck_assert_int_eq(icalproperty_get_method(prop(cal, ICAL_METHOD_PROPERTY)),
	    ICAL_METHOD_REQUEST);
	ev = vevent(cal);
	check_event_props(ev, all_props, NPROPS);
	ck_assert_str_eq(icalcomponent_get_uid(ev), UID);
	ck_assert_int_eq(icalproperty_get_sequence(prop(ev, ICAL_SEQUENCE_PROPERTY)), 3);
	ck_assert(icaltime_as_timet(icalproperty_get_dtstamp(prop(ev, ICAL_DTSTAMP_PROPERTY))) ==
	    iv.stamp);
	ck_assert(to_utc(cal, prop(ev, ICAL_DTSTART_PROPERTY), ZONE) == iv.start);
	ck_assert(to_utc(cal, prop(ev, ICAL_DTEND_PROPERTY), ZONE) == iv.end);
	ck_assert_str_eq(icalcomponent_get_summary(ev), "Zeilen voor beginners");
	ck_assert_str_eq(icalcomponent_get_location(ev), "Jachthaven De Kikker, Loosdrecht");
	ck_assert_str_eq(icalcomponent_get_description(ev),
	    "Neem regenkleding mee.\nParkeren bij de haven.");
	ck_assert_str_eq(icalproperty_get_url(prop(ev, ICAL_URL_PROPERTY)),
	    "https://sail.example.nl/b/NS-7KQ2-4D");
	p = prop(ev, ICAL_ORGANIZER_PROPERTY);
	ck_assert_str_eq(icalproperty_get_organizer(p), "mailto:jan@sail.example.nl");
	ck_assert_str_eq(cn(p), "Jan de Vries");
	p = prop(ev, ICAL_ATTENDEE_PROPERTY);
	ck_assert_str_eq(icalproperty_get_attendee(p), "mailto:zoe@example.com");
	ck_assert_str_eq(cn(p), "Zoe Smit");
	ck_assert_int_eq(icalparameter_get_role(icalproperty_get_first_parameter(p,
	    ICAL_ROLE_PARAMETER)), ICAL_ROLE_REQPARTICIPANT);
	ck_assert_int_eq(icalparameter_get_partstat(icalproperty_get_first_parameter(p,
	    ICAL_PARTSTAT_PARAMETER)), ICAL_PARTSTAT_ACCEPTED);
	ck_assert_int_eq(icalparameter_get_rsvp(icalproperty_get_first_parameter(p,
	    ICAL_RSVP_PARAMETER)), ICAL_RSVP_FALSE);
	ck_assert_int_eq(icalcomponent_get_status(ev), ICAL_STATUS_CONFIRMED);
	ck_assert_int_eq(icalproperty_get_transp(prop(ev, ICAL_TRANSP_PROPERTY)),
	    ICAL_TRANSP_OPAQUE);
	icalcomponent_free(cal);
	free(flat);
	free(ics);
}
END_TEST

/* Wall times in the zone, and back to the same UTC through the VTIMEZONE that was sent. */
START_TEST(test_times)
{
	static const struct {
		const char *zone;
		int y, mo, d, h, mi;	/* start, UTC */
		int minutes;		/* length */
		const char *start, *end;	/* the lines, unfolded */
	} cases[] = {
		{ ZONE, 2026, 12, 8, 8, 0, 90, "DTSTART;TZID=Europe/Amsterdam:20261208T090000",
		    "DTEND;TZID=Europe/Amsterdam:20261208T103000" },
		{ ZONE, 2027, 7, 1, 7, 30, 120, "DTSTART;TZID=Europe/Amsterdam:20270701T093000",
		    "DTEND;TZID=Europe/Amsterdam:20270701T113000" },
		/* Across the switch to summer time: 01:30 CET until 04:30 CEST. */
		{ ZONE, 2027, 3, 28, 0, 30, 120, "DTSTART;TZID=Europe/Amsterdam:20270328T013000",
		    "DTEND;TZID=Europe/Amsterdam:20270328T043000" },
		/* Across the switch back: 01:30 CEST until 04:30 CET, four hours later. */
		{ ZONE, 2027, 10, 30, 23, 30, 240, "DTSTART;TZID=Europe/Amsterdam:20271031T013000",
		    "DTEND;TZID=Europe/Amsterdam:20271031T043000" },
		/* 02:30 happens twice that night: both are written in UTC. */
		{ ZONE, 2027, 10, 31, 0, 30, 60, "DTSTART:20271031T003000Z",
		    "DTEND:20271031T013000Z" },
		/* Around it: 01:59 CEST and 03:00 CET happen once. */
		{ ZONE, 2027, 10, 30, 23, 59, 121, "DTSTART;TZID=Europe/Amsterdam:20271031T015900",
		    "DTEND;TZID=Europe/Amsterdam:20271031T030000" },
		{ "America/New_York", 2027, 11, 7, 5, 30, 90, "DTSTART:20271107T053000Z",
		    "DTEND;TZID=America/New_York:20271107T020000" },
		/* Past the last year tzdata lists transitions for. */
		{ ZONE, 2040, 6, 15, 16, 0, 60, "DTSTART;TZID=Europe/Amsterdam:20400615T180000",
		    "DTEND;TZID=Europe/Amsterdam:20400615T190000" },
		{ "America/New_York", 2027, 1, 15, 14, 0, 60,
		    "DTSTART;TZID=America/New_York:20270115T090000",
		    "DTEND;TZID=America/New_York:20270115T100000" },
		{ "America/New_York", 2027, 8, 15, 14, 0, 60,
		    "DTSTART;TZID=America/New_York:20270815T100000",
		    "DTEND;TZID=America/New_York:20270815T110000" },
		{ "Asia/Kolkata", 2027, 8, 15, 4, 0, 45, "DTSTART;TZID=Asia/Kolkata:20270815T093000",
		    "DTEND;TZID=Asia/Kolkata:20270815T101500" },
		{ "Australia/Sydney", 2027, 1, 15, 0, 0, 60,
		    "DTSTART;TZID=Australia/Sydney:20270115T110000",
		    "DTEND;TZID=Australia/Sydney:20270115T120000" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct invite iv;
		icalcomponent *cal, *ev;
		char *ics, *flat, want[128];
		struct icaltimetype dt;

		iv_init(&iv);
		iv.zone = cases[i].zone;
		iv.start = utc(cases[i].y, cases[i].mo, cases[i].d, cases[i].h, cases[i].mi, 0);
		iv.end = iv.start + cases[i].minutes * 60;
		ics = build_ok(&iv);
		flat = unfold(ics);
		snprintf(want, sizeof(want), "\r\n%s\r\n", cases[i].start);
		ck_assert_msg(strstr(flat, want) != NULL, "case %zu: no %s", i, cases[i].start);
		snprintf(want, sizeof(want), "\r\n%s\r\n", cases[i].end);
		ck_assert_msg(strstr(flat, want) != NULL, "case %zu: no %s", i, cases[i].end);
		cal = parse(ics);
		ev = vevent(cal);
		ck_assert_msg(to_utc(cal, prop(ev, ICAL_DTSTART_PROPERTY), cases[i].zone) ==
		    iv.start, "case %zu: start", i);
		ck_assert_msg(to_utc(cal, prop(ev, ICAL_DTEND_PROPERTY), cases[i].zone) == iv.end,
		    "case %zu: end", i);
		/* The way a calendar program reads it: TZID resolved inside the VCALENDAR. */
		dt = icalcomponent_get_dtstart(ev);
		ck_assert(dt.zone != NULL);
		ck_assert_msg(icaltime_as_timet_with_zone(dt, dt.zone) == iv.start, "case %zu", i);
		dt = icalcomponent_get_dtend(ev);
		ck_assert_msg(icaltime_as_timet_with_zone(dt, dt.zone) == iv.end, "case %zu", i);
		icalcomponent_free(cal);
		free(flat);
		free(ics);
	}
}
END_TEST

START_TEST(test_utc)
{
	static const char *const zones[] = { NULL, "UTC" };

	for (size_t i = 0; i < 2; i++) {
		struct invite iv;
		icalcomponent *cal, *ev;
		char *ics, *flat;

		iv_init(&iv);
		iv.zone = zones[i];
		ics = build_ok(&iv);
		flat = unfold(ics);
		ck_assert(strstr(flat, "\r\nDTSTART:20261208T080000Z\r\n") != NULL);
		ck_assert(strstr(flat, "\r\nDTEND:20261208T163000Z\r\n") != NULL);
		ck_assert(strstr(flat, "VTIMEZONE") == NULL);
		ck_assert(strstr(flat, "TZID") == NULL);
		cal = parse(ics);
		ev = vevent(cal);
		ck_assert(icaltime_as_timet(icalcomponent_get_dtstart(ev)) == iv.start);
		icalcomponent_free(cal);
		free(flat);
		free(ics);
	}
}
END_TEST

/* The cancellation replaces the invitation: same UID and attendee, a higher SEQUENCE. */
START_TEST(test_cancel)
{
	struct invite iv;
	icalcomponent *req, *can, *rev, *cev;
	char *a, *b;

	iv_init(&iv);
	iv.sequence = 1;
	a = build_ok(&iv);
	iv.method = "CANCEL";
	iv.sequence = 2;
	iv.stamp += 86400;
	b = build_ok(&iv);
	req = parse(a);
	can = parse(b);
	rev = vevent(req);
	cev = vevent(can);
	check_event_props(cev, all_props, NPROPS);
	ck_assert_int_eq(icalproperty_get_method(prop(can, ICAL_METHOD_PROPERTY)),
	    ICAL_METHOD_CANCEL);
	ck_assert_int_eq(icalcomponent_get_status(cev), ICAL_STATUS_CANCELLED);
	ck_assert_int_eq(icalcomponent_get_status(rev), ICAL_STATUS_CONFIRMED);
	ck_assert_str_eq(icalcomponent_get_uid(cev), icalcomponent_get_uid(rev));
	ck_assert_int_gt(icalproperty_get_sequence(prop(cev, ICAL_SEQUENCE_PROPERTY)),
	    icalproperty_get_sequence(prop(rev, ICAL_SEQUENCE_PROPERTY)));
	ck_assert_str_eq(icalproperty_get_attendee(prop(cev, ICAL_ATTENDEE_PROPERTY)),
	    icalproperty_get_attendee(prop(rev, ICAL_ATTENDEE_PROPERTY)));
	ck_assert_str_eq(cn(prop(cev, ICAL_ATTENDEE_PROPERTY)), "Zoe Smit");
	ck_assert(to_utc(can, prop(cev, ICAL_DTSTART_PROPERTY), ZONE) == iv.start);
	ck_assert(strstr(b, "\r\nSTATUS:CANCELLED\r\n") != NULL);
	ck_assert(strstr(b, "\r\nMETHOD:CANCEL\r\n") != NULL);
	icalcomponent_free(req);
	icalcomponent_free(can);
	free(a);
	free(b);
}
END_TEST

/*
 * Names and text with every character that means something in iCalendar, and line breaks
 * that try to start a property of their own, come back intact or cleaned in a known way,
 * and the event has exactly its own properties.
 */
START_TEST(test_hostile_text)
{
	static const struct {
		const char *in, *cn, *text;	/* as given, as a CN, as TEXT */
	} names[] = {
		{ "Vries, Jan; \"Zeil\" B.V.", "Vries, Jan; 'Zeil' B.V.",
		    "Vries, Jan; \"Zeil\" B.V." },
		{ "Zoë\r\nATTENDEE:mailto:evil@example.org", "Zoë ATTENDEE:mailto:evil@example.org",
		    "Zoë ATTENDEE:mailto:evil@example.org" },
		{ "Anaïs: the ^caret^ and \\backslash\\", "Anaïs: the ^caret^ and /backslash/",
		    "Anaïs: the ^caret^ and \\backslash\\" },
		{ "Back\\;slash\\\"", "Back/;slash/'", "Back\\;slash\\\"" },
		{ "\t  Zo\x01" "e \x7f Smit \xc2\x85", "Zo e Smit", "Zo e Smit" },
		{ "Ünïcödé Ñame, Ltd.", "Ünïcödé Ñame, Ltd.", "Ünïcödé Ñame, Ltd." },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct invite iv;
		icalcomponent *cal, *ev;
		char *ics, *summary;

		iv_init(&iv);
		iv.organizer_name = names[i].in;
		iv.attendee_name = names[i].in;
		summary = xasprintf("Les 1, deel 2; %s\r\nX-EVIL:1", names[i].in);
		iv.summary = summary;
		iv.location = "Hal 3; ingang B, \"achter\"\nBEGIN:VALARM";
		iv.description = "Regel 1\r\nRegel 2\nRegel 3\rRegel 4, met; tekens \\ \"\x01";
		ics = build_ok(&iv);
		ck_assert(strstr(ics, "\r\nX-EVIL") == NULL);
		ck_assert(strstr(ics, "\r\nBEGIN:VALARM") == NULL);
		ck_assert(strstr(ics, "\r\nATTENDEE:mailto:evil") == NULL);
		cal = parse(ics);
		ev = vevent(cal);
		check_event_props(ev, all_props, NPROPS);
		ck_assert_ptr_null(icalcomponent_get_first_component(ev, ICAL_ANY_COMPONENT));
		ck_assert_str_eq(cn(prop(ev, ICAL_ORGANIZER_PROPERTY)), names[i].cn);
		ck_assert_str_eq(cn(prop(ev, ICAL_ATTENDEE_PROPERTY)), names[i].cn);
		ck_assert_str_eq(icalproperty_get_attendee(prop(ev, ICAL_ATTENDEE_PROPERTY)),
		    "mailto:zoe@example.com");
		free(summary);
		summary = xasprintf("Les 1, deel 2; %s X-EVIL:1", names[i].text);
		ck_assert_str_eq(icalcomponent_get_summary(ev), summary);
		ck_assert_str_eq(icalcomponent_get_location(ev),
		    "Hal 3; ingang B, \"achter\" BEGIN:VALARM");
		ck_assert_str_eq(icalcomponent_get_description(ev),
		    "Regel 1\nRegel 2\nRegel 3\nRegel 4, met; tekens \\ \"");
		free(summary);
		icalcomponent_free(cal);
		free(ics);
	}
}
END_TEST

START_TEST(test_bad_utf8)
{
	struct invite iv;
	icalcomponent *cal;
	char *ics;

	iv_init(&iv);
	iv.summary = "caf\xe9 \xed\xa0\x80 ok";
	iv.attendee_name = "Zo\xc3";
	ics = build_ok(&iv);
	cal = parse(ics);
	ck_assert_str_eq(icalcomponent_get_summary(vevent(cal)), "caf? ??? ok");
	ck_assert_str_eq(cn(prop(vevent(cal), ICAL_ATTENDEE_PROPERTY)), "Zo?");
	icalcomponent_free(cal);
	free(ics);
}
END_TEST

/*
 * Long values with multi-byte characters at every alignment: lines stay within 75 octets,
 * no fold cuts a character (check_text), and the values unfold to exactly what went in.
 */
START_TEST(test_folding)
{
	static const char *const pieces[] = { "é", "€", "😀", "Ж", "a", ";", "," };

	for (size_t k = 0; k < sizeof(pieces) / sizeof(pieces[0]); k++) {
		for (size_t shift = 0; shift < 6; shift++) {
			struct invite iv;
			struct buf text;
			icalcomponent *cal, *ev;
			char *ics;

			buf_init(&text);
			for (size_t i = 0; i < shift; i++)
				buf_addch(&text, 'x');
			for (size_t i = 0; i < 150; i++)
				buf_addstr(&text, i % 11 == 10 ? " " : pieces[k]);
			iv_init(&iv);
			iv.summary = text.data;
			iv.description = text.data;
			iv.attendee_name = text.data;
			iv.location = text.data;
			ics = build_ok(&iv);
			cal = parse(ics);
			ev = vevent(cal);
			ck_assert_str_eq(icalcomponent_get_summary(ev), text.data);
			ck_assert_str_eq(icalcomponent_get_description(ev), text.data);
			ck_assert_str_eq(icalcomponent_get_location(ev), text.data);
			ck_assert_str_eq(cn(prop(ev, ICAL_ATTENDEE_PROPERTY)), text.data);
			icalcomponent_free(cal);
			free(ics);
			buf_release(&text);
		}
	}
}
END_TEST

START_TEST(test_optional)
{
	struct invite iv;
	icalcomponent *cal, *ev;
	char *ics;
	static const icalproperty_kind want[] = {
		ICAL_UID_PROPERTY, ICAL_SEQUENCE_PROPERTY, ICAL_DTSTAMP_PROPERTY,
		ICAL_DTSTART_PROPERTY, ICAL_DTEND_PROPERTY, ICAL_ORGANIZER_PROPERTY,
		ICAL_ATTENDEE_PROPERTY, ICAL_STATUS_PROPERTY, ICAL_TRANSP_PROPERTY,
	};

	iv_init(&iv);
	iv.summary = " \r\n";
	iv.location = NULL;
	iv.description = "\r\n \n";	/* nothing but line breaks is no description */
	iv.url = "";
	iv.organizer_name = NULL;
	iv.attendee_name = " ";
	iv.method = NULL;
	iv.sequence = -4;
	ics = build_ok(&iv);
	cal = parse(ics);
	ev = vevent(cal);
	ck_assert_int_eq(icalproperty_get_method(prop(cal, ICAL_METHOD_PROPERTY)),
	    ICAL_METHOD_REQUEST);
	ck_assert_int_eq(icalproperty_get_sequence(prop(ev, ICAL_SEQUENCE_PROPERTY)), 0);
	ck_assert_ptr_null(icalproperty_get_first_parameter(prop(ev, ICAL_ORGANIZER_PROPERTY),
	    ICAL_CN_PARAMETER));
	ck_assert_ptr_null(icalproperty_get_first_parameter(prop(ev, ICAL_ATTENDEE_PROPERTY),
	    ICAL_CN_PARAMETER));
	check_event_props(ev, want, sizeof(want) / sizeof(want[0]));
	icalcomponent_free(cal);
	free(ics);
}
END_TEST

START_TEST(test_url)
{
	struct invite iv;
	icalcomponent *cal;
	char *ics;

	iv_init(&iv);
	iv.url = "https://sail.example.nl/b/NS 1?q=\"é\"\r\nX-EVIL:1";
	ics = build_ok(&iv);
	cal = parse(ics);
	ck_assert_str_eq(icalproperty_get_url(prop(vevent(cal), ICAL_URL_PROPERTY)),
	    "https://sail.example.nl/b/NS%201?q=%22%C3%A9%22%0D%0AX-EVIL:1");
	icalcomponent_free(cal);
	free(ics);
}
END_TEST

START_TEST(test_invalid)
{
	struct invite iv;

	iv_init(&iv);
	iv.method = "PUBLISH";
	ck_assert_ptr_null(invite_build(&iv));
	iv_init(&iv);
	iv.method = "request";
	ck_assert_ptr_null(invite_build(&iv));
	iv_init(&iv);
	iv.zone = "Europe/Atlantis";
	ck_assert_ptr_null(invite_build(&iv));
	iv_init(&iv);
	iv.attendee_email = "zoe@example.com\r\nX: y";
	ck_assert_ptr_null(invite_build(&iv));
	iv_init(&iv);
	iv.attendee_email = "zoë@example.com";
	ck_assert_ptr_null(invite_build(&iv));
	iv_init(&iv);
	iv.organizer_email = NULL;
	ck_assert_ptr_null(invite_build(&iv));
	iv_init(&iv);
	iv.uid = " \r\n ";
	ck_assert_ptr_null(invite_build(&iv));
	iv_init(&iv);
	iv.end = iv.start - 1;
	ck_assert_ptr_null(invite_build(&iv));
	/* The same invitation with good values is fine: the failures above are the values. */
	iv_init(&iv);
	iv.end = iv.start;
	free(build_ok(&iv));
}
END_TEST

/* The VTIMEZONE is the current rules under the IANA name, not libical's whole history. */
START_TEST(test_vtimezone)
{
	struct invite iv;
	icalcomponent *cal, *vtz;
	char *ics;
	int n = 0;

	iv_init(&iv);
	ics = build_ok(&iv);
	ck_assert(strstr(ics, "freeassociation") == NULL);
	ck_assert(strstr(ics, "\r\nTZID:Europe/Amsterdam\r\n") != NULL);
	ck_assert(strstr(ics, "+001932") == NULL);
	cal = parse(ics);
	vtz = icalcomponent_get_first_component(cal, ICAL_VTIMEZONE_COMPONENT);
	ck_assert(vtz != NULL);
	for (icalcomponent *c = icalcomponent_get_first_component(vtz, ICAL_ANY_COMPONENT);
	    c != NULL; c = icalcomponent_get_next_component(vtz, ICAL_ANY_COMPONENT))
		n++;
	ck_assert_int_ge(n, 2);
	ck_assert_int_le(n, 6);
	icalcomponent_free(cal);
	free(ics);
}
END_TEST

static Suite *
invite_suite(void)
{
	Suite *s = suite_create("invite");
	TCase *tc = tcase_create("invite");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_request);
	tcase_add_test(tc, test_times);
	tcase_add_test(tc, test_utc);
	tcase_add_test(tc, test_cancel);
	tcase_add_test(tc, test_hostile_text);
	tcase_add_test(tc, test_bad_utf8);
	tcase_add_test(tc, test_folding);
	tcase_add_test(tc, test_optional);
	tcase_add_test(tc, test_url);
	tcase_add_test(tc, test_invalid);
	tcase_add_test(tc, test_vtimezone);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(invite_suite)
