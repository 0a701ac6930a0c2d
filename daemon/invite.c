/*
 * invite.c: the VCALENDAR that goes with a confirmation (METHOD:REQUEST) or a cancellation
 * (METHOD:CANCEL), built as libical components so that escaping and quoting are libical's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libical/ical.h>

#include "invite.h"
#include "util.h"

#define ICS_WIDTH 75	/* RFC 5545 3.1: lines SHOULD NOT be longer than 75 octets */

enum invite_clean_mode {
	CLEAN_LINE,	/* one line: controls become spaces, runs of spaces one */
	CLEAN_TEXT,	/* several lines: line breaks kept as '\n', other controls spaces */
	CLEAN_PARAM,	/* a parameter value: one line, no DQUOTE, no backslash */
};

/*
 * Text from a feed or a form, made fit for a property. libical escapes TEXT values
 * (backslash, comma, semicolon, newline) and quotes parameters, but it passes control
 * characters through, and a summary or a name with a line break in it shows up badly
 * in every calendar. Parameter values cannot hold a DQUOTE at all (RFC 5545 3.1): libical
 * writes RFC 6868's ^' for it, which Outlook shows as it is, so a double quote in a name
 * becomes an apostrophe. A backslash in a parameter is a plain character to RFC 5545, but
 * parsers (libical's own among them) take one before ';' or '"' for an escape and run the
 * CN into the next parameter, so it becomes '/'. Bytes that are not UTF-8 become '?', so
 * the result always is.
 */
static char *
invite_clean(const char *s, enum invite_clean_mode mode)
{
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");
	size_t left = strlen((const char *)p);
	struct buf b;
	int space = 0;

	buf_init(&b);
	buf_addstr(&b, "");
	while (left > 0) {
		unsigned cp;
		size_t n = utf8_next(p, left, &cp);
		int bad = n == 0;

		if (bad)
			n = 1;
		if (!bad && mode == CLEAN_TEXT && (cp == '\n' || cp == '\r')) {
			buf_addch(&b, '\n');
			if (cp == '\r' && left > 1 && p[1] == '\n')
				n = 2;
		} else if (!bad && (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) ||
		    cp == 0x2028 || cp == 0x2029 || (cp == ' ' && mode != CLEAN_TEXT))) {
			if (mode == CLEAN_TEXT)
				buf_addch(&b, ' ');
			else
				space = 1;
		} else {
			if (space && b.len > 0)
				buf_addch(&b, ' ');
			space = 0;
			if (bad)
				buf_addch(&b, '?');
			else if (cp == '"' && mode == CLEAN_PARAM)
				buf_addch(&b, '\'');
			else if (cp == '\\' && mode == CLEAN_PARAM)
				buf_addch(&b, '/');
			else
				buf_add(&b, p, n);
		}
		p += n;
		left -= n;
	}
	if (mode == CLEAN_TEXT) {
		/* A description that a template ended with a line break ends without one. */
		size_t lead = strspn(b.data, " \n");

		while (b.len > lead && (b.data[b.len - 1] == ' ' || b.data[b.len - 1] == '\n'))
			b.len--;
		memmove(b.data, b.data + lead, b.len - lead);
		b.len -= lead;
		b.data[b.len] = '\0';
	}
	return buf_detach(&b);
}

/*
 * A TEXT property, left out when it is empty: libical reads "SUMMARY:" back as a property
 * without a value, and calendars show a missing summary as "(no title)" anyway.
 */
static void
invite_text(icalcomponent *ev, icalproperty *(*make)(const char *), const char *value,
    enum invite_clean_mode mode)
{
	char *text = invite_clean(value, mode);

	if (text[0] != '\0')
		icalcomponent_add_property(ev, make(text));
	free(text);
}

/* A URI is not TEXT and libical does not escape it: anything not visible ASCII is %XX. */
static char *
invite_clean_uri(const char *s)
{
	struct buf b;

	buf_init(&b);
	buf_addstr(&b, "");
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (*p <= 0x20 || *p >= 0x7f || *p == '"')
			buf_printf(&b, "%%%02X", *p);
		else
			buf_addch(&b, (char)*p);
	}
	return buf_detach(&b);
}

static int
invite_email_ok(const char *s)
{
	if (s == NULL || !email_valid(s))
		return 0;
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= 0x20 || *p >= 0x7f)
			return 0;
	return 1;
}

/* ORGANIZER or ATTENDEE: mailto: with a CN that libical quotes when it has to. */
static icalproperty *
invite_person(icalproperty *prop, const char *name)
{
	char *cn = invite_clean(name, CLEAN_PARAM);

	if (cn[0] != '\0')
		icalproperty_add_parameter(prop, icalparameter_new_cn(cn));
	free(cn);
	return prop;
}

static icalproperty *
invite_mailto(icalproperty *(*make)(const char *), const char *email)
{
	char *uri = xasprintf("mailto:%s", email);
	icalproperty *prop = make(uri);

	free(uri);
	return prop;
}

/* The zone's offset from UTC at t, in seconds. */
static long
invite_offset(time_t t, icaltimezone *z)
{
	struct icaltimetype tt = icaltime_from_timet_with_zone(t, 0, z);
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = tt.year - 1900;
	tm.tm_mon = tt.month - 1;
	tm.tm_mday = tt.day;
	tm.tm_hour = tt.hour;
	tm.tm_min = tt.minute;
	tm.tm_sec = tt.second;
	return (long)(timegm(&tm) - t);
}

/*
 * Whether the wall time of t in z happens twice (the hour repeated when summer time ends):
 * another moment within half a day, under the offset in force there, shows the same wall
 * time.
 */
static int
invite_ambiguous(time_t t, icaltimezone *z)
{
	long wall = (long)t + invite_offset(t, z);

	for (int d = -1; d <= 1; d += 2) {
		time_t u = (time_t)(wall - invite_offset(t + d * 43200, z));

		if (u != t && (long)u + invite_offset(u, z) == wall)
			return 1;
	}
	return 0;
}

/*
 * A DATE-TIME in the event's zone, with the TZID that names the VTIMEZONE. libical 3.0's
 * icaltime_from_timet_with_zone converts the wall time but leaves the result marked as
 * UTC, so the zone is set afterwards; the TZID parameter is added by hand because the
 * property constructors do not add one. A wall time that happens twice is written in UTC
 * instead: RFC 5545 3.3.5 says such a time means the first one, but readers differ (libical
 * takes the second one through a truncated VTIMEZONE and the first through its builtin
 * zone), and UTC cannot be taken for another moment.
 */
static icalproperty *
invite_time(icalproperty *(*make)(struct icaltimetype), time_t t, icaltimezone *z,
    const char *tzid)
{
	struct icaltimetype tt;
	icalproperty *prop;

	if (tzid == NULL || invite_ambiguous(t, z))
		return make(icaltime_from_timet_with_zone(t, 0, icaltimezone_get_utc_timezone()));
	tt = icaltime_from_timet_with_zone(t, 0, z);
	tt = icaltime_set_timezone(&tt, z);
	prop = make(tt);
	icalproperty_add_parameter(prop, icalparameter_new_tzid(tzid));
	return prop;
}

/*
 * The zone's definition for the calendar. libical's builtin zone carries the whole
 * history of the zone (Amsterdam's starts in 1835, with offsets in seconds), which makes
 * Outlook pick the wrong rule; truncated at the event with Microsoft compatibility it is
 * the current STANDARD and DAYLIGHT rules with RRULEs, the form Outlook writes itself.
 * libical names builtin zones "/freeassociation.sourceforge.net/Europe/Amsterdam"; the
 * TZID becomes the plain IANA name, which Google and Apple map to their own zone data
 * without reading the definition.
 */
static char *invite_fold(const char *s);

static const char *
invite_vtimezone(icaltimezone *z, const char *tzid, time_t from)
{
	/*
	 * Truncating libical's zone history, and then writing the result out, was most of the
	 * cost of an invitation (measured with make bench). Truncated from just before the
	 * start's year, the result holds for any start in that year and depends only on the
	 * zone and the year, so the text of the last few is kept, folded, to be copied into
	 * each calendar as it is.
	 */
	static struct {
		char tzid[64];
		int year;
		char *text;
	} cache[8];
	static unsigned next;
	struct icaltimetype start = icaltime_from_timet_with_zone(from, 0,
	    icaltimezone_get_utc_timezone());
	icalcomponent *vtz;
	icalproperty *prop;
	char *ics, *text;
	unsigned i;
	int year;

	/* From a month before the year, so no offset of any zone can put a start before it. */
	year = start.year;
	start.year--;
	start.month = 12;
	start.day = 1;
	start.hour = start.minute = start.second = 0;

	for (i = 0; i < sizeof(cache) / sizeof(cache[0]); i++)
		if (cache[i].text != NULL && cache[i].year == year &&
		    strcmp(cache[i].tzid, tzid) == 0)
			return cache[i].text;
	if (strlen(tzid) >= sizeof(cache[0].tzid))
		return NULL;	/* no IANA name is that long; the configuration checks the zone */
	vtz = icalcomponent_new_clone(icaltimezone_get_component(z));
	prop = icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY);
	icaltimezone_truncate_vtimezone(vtz, start, icaltime_null_time(), 1);
	if (prop != NULL)
		icalproperty_set_tzid(prop, tzid);
	else
		icalcomponent_add_property(vtz, icalproperty_new_tzid(tzid));
	ics = icalcomponent_as_ical_string_r(vtz);
	text = invite_fold(ics);
	icalmemory_free_buffer(ics);
	icalcomponent_free(vtz);
	i = next++ % (sizeof(cache) / sizeof(cache[0]));
	free(cache[i].text);
	snprintf(cache[i].tzid, sizeof(cache[i].tzid), "%s", tzid);
	cache[i].year = year;
	cache[i].text = text;
	return text;
}

/*
 * Undo libical's folding and fold again at 75 octets, never inside a UTF-8 sequence, with
 * CRLF line ends. libical 3.0.16 already folds between characters; folding here keeps the
 * guarantee (75 octets, whole characters, CRLF) in one place the tests check, whatever
 * libical the daemon is linked against.
 */
static char *
invite_fold(const char *s)
{
	char *flat = xstrdup(s);	/* unfolded in place: it only gets shorter */
	struct buf out;
	const char *line;
	size_t w = 0;

	for (const char *p = s; *p; p++) {
		if (*p == '\r' && p[1] == '\n')
			continue;
		if (*p == '\n' && (p[1] == ' ' || p[1] == '\t')) {
			p++;
			continue;
		}
		flat[w++] = *p;
	}
	flat[w] = '\0';
	buf_init(&out);
	buf_addstr(&out, "");
	for (line = flat; *line != '\0';) {
		size_t len = strcspn(line, "\n"), pos = 0, width = ICS_WIDTH;

		while (len - pos > width) {
			size_t cut = pos + width;

			while (cut > pos + 1 && ((unsigned char)line[cut] & 0xc0) == 0x80)
				cut--;
			buf_add(&out, line + pos, cut - pos);
			buf_addstr(&out, "\r\n ");
			pos = cut;
			width = ICS_WIDTH - 1;
		}
		buf_add(&out, line + pos, len - pos);
		buf_addstr(&out, "\r\n");
		line += len;
		if (*line == '\n')
			line++;
	}
	free(flat);
	return buf_detach(&out);
}

/*
 * The VTIMEZONE goes where RFC 5545 puts it, before the VEVENT that uses it. A line of
 * libical's output that begins "BEGIN:VEVENT" is the component's: a value is escaped (no
 * bare line break) and a folded line begins with a space.
 */
static char *
invite_splice(char *ics, const char *vtz)
{
	const char *at = strstr(ics, "\r\nBEGIN:VEVENT\r\n");
	struct buf b;

	if (at == NULL) {
		free(ics);
		return NULL;
	}
	at += 2;
	buf_init(&b);
	buf_add(&b, ics, (size_t)(at - ics));
	buf_addstr(&b, vtz);
	buf_addstr(&b, at);
	free(ics);
	return buf_detach(&b);
}

char *
invite_build(const struct invite *iv)
{
	icaltimezone *utc = icaltimezone_get_utc_timezone(), *z = utc;
	const char *tzid = NULL;
	icalcomponent *cal, *ev;
	icalproperty_method method;
	const char *vtz = NULL;
	char *uid, *ics, *out;
	int cancel;

	if (iv->method != NULL && strcmp(iv->method, "CANCEL") == 0)
		method = ICAL_METHOD_CANCEL;
	else if (iv->method == NULL || strcmp(iv->method, "REQUEST") == 0)
		method = ICAL_METHOD_REQUEST;
	else
		return NULL;
	cancel = method == ICAL_METHOD_CANCEL;
	if (!invite_email_ok(iv->organizer_email) || !invite_email_ok(iv->attendee_email) ||
	    iv->end < iv->start)
		return NULL;
	if (iv->zone != NULL && strcmp(iv->zone, "UTC") != 0) {
		z = icaltimezone_get_builtin_timezone(iv->zone);
		if (z == NULL || icaltimezone_get_component(z) == NULL)
			return NULL;
		if (z != utc)
			tzid = iv->zone;
	}
	uid = invite_clean(iv->uid, CLEAN_LINE);
	if (uid[0] == '\0') {
		free(uid);
		return NULL;
	}

	cal = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);
	icalcomponent_add_property(cal, icalproperty_new_prodid("-//noshowd//noshowd 0.1//EN"));
	icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
	icalcomponent_add_property(cal, icalproperty_new_method(method));
	if (tzid != NULL && (vtz = invite_vtimezone(z, tzid, iv->start)) == NULL) {
		icalcomponent_free(cal);
		free(uid);
		return NULL;
	}

	ev = icalcomponent_new(ICAL_VEVENT_COMPONENT);
	icalcomponent_add_property(ev, icalproperty_new_uid(uid));
	icalcomponent_add_property(ev, icalproperty_new_sequence(iv->sequence > 0 ?
	    iv->sequence : 0));
	icalcomponent_add_property(ev, icalproperty_new_dtstamp(
	    icaltime_from_timet_with_zone(iv->stamp, 0, utc)));
	icalcomponent_add_property(ev, invite_time(icalproperty_new_dtstart, iv->start, z, tzid));
	icalcomponent_add_property(ev, invite_time(icalproperty_new_dtend, iv->end, z, tzid));
	invite_text(ev, icalproperty_new_summary, iv->summary, CLEAN_LINE);
	invite_text(ev, icalproperty_new_location, iv->location, CLEAN_LINE);
	invite_text(ev, icalproperty_new_description, iv->description, CLEAN_TEXT);
	if (iv->url != NULL && iv->url[0] != '\0') {
		char *uri = invite_clean_uri(iv->url);

		icalcomponent_add_property(ev, icalproperty_new_url(uri));
		free(uri);
	}
	icalcomponent_add_property(ev, invite_person(invite_mailto(icalproperty_new_organizer,
	    iv->organizer_email), iv->organizer_name));
	{
		/*
		 * The registration is the customer's acceptance, so the invitation says so and
		 * asks for no reply: calendars add the event as accepted and send nothing back
		 * to the trainer's mailbox. A CANCEL names the same attendee (RFC 5546 3.2.5).
		 */
		icalproperty *att = invite_person(invite_mailto(icalproperty_new_attendee,
		    iv->attendee_email), iv->attendee_name);

		icalproperty_add_parameter(att, icalparameter_new_role(ICAL_ROLE_REQPARTICIPANT));
		icalproperty_add_parameter(att, icalparameter_new_partstat(ICAL_PARTSTAT_ACCEPTED));
		icalproperty_add_parameter(att, icalparameter_new_rsvp(ICAL_RSVP_FALSE));
		icalcomponent_add_property(ev, att);
	}
	icalcomponent_add_property(ev, icalproperty_new_status(cancel ? ICAL_STATUS_CANCELLED :
	    ICAL_STATUS_CONFIRMED));
	icalcomponent_add_property(ev, icalproperty_new_transp(ICAL_TRANSP_OPAQUE));
	icalcomponent_add_component(cal, ev);

	ics = icalcomponent_as_ical_string_r(cal);
	out = invite_fold(ics);
	icalmemory_free_buffer(ics);
	icalcomponent_free(cal);
	free(uid);
	return vtz != NULL ? invite_splice(out, vtz) : out;
}
