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
 */
int ical_parse(const char *data, size_t len, enum ical_layout layout,
    const char *default_zone, struct feed *out, char err[]);

/* IANA zone for a Windows zone name, or NULL. */
const char *ical_windows_zone(const char *windows_name);

#endif
