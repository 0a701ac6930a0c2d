/*
 * iCalendar feeds -> struct feed, with libical. Two layouts (SPEC section 4):
 *  - attendees: each VEVENT is a session, each ATTENDEE a booking;
 *  - event-per-booking: each VEVENT is one booking; sessions group by X-NOSHOWD-SESSION,
 *    else by SUMMARY and DTSTART.
 * Times: VTIMEZONEs as given; a TZID that is a Windows zone name ("W. Europe Standard
 * Time") without a VTIMEZONE is mapped to its IANA zone from CLDR's windowsZones data;
 * floating times are wall time in `default_zone`; DATE values start at local midnight.
 */
#ifndef NOSHOWD_ICAL_H
#define NOSHOWD_ICAL_H

#include <stddef.h>

#include "config.h"
#include "feed.h"

/*
 * Parse the whole of data[0..len). Returns 0 and fills out (which the caller has
 * feed_init()ed) when the calendar parses whole; items that cannot be used are skipped with
 * a warning in out->warnings. Returns -1 with a reason in err when the feed must be rejected
 * as a whole (not a calendar, truncated, not UTF-8 at line N, ...): the caller then keeps
 * the last good state.
 *
 * What the feed holds beyond feed.h: a course (RRULE) has meetings = its count of meetings
 * after EXDATEs and cancelled instances, up to 1000, or 0 when the rule has no end or could
 * not be counted safely (a warning says which); its end is then the end of the first meeting.
 * A session's tzid is the IANA zone its DTSTART was read in (a Windows name mapped, the
 * default zone for floating times and dates), NULL for UTC or a zone with no IANA name.
 * Warnings start with "line N: " when the line is known, and stop after 200 with a count.
 * The same bytes always give the same feed.
 */
int ical_parse(const char *data, size_t len, enum ical_layout layout,
    const char *default_zone, struct feed *out, char err[]);

/* IANA zone for a Windows zone name, or NULL. */
const char *ical_windows_zone(const char *windows_name);

#endif
