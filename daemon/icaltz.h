/*
 * Time zones and times of an iCalendar feed, for the ical* modules. A TZID is the feed's
 * own VTIMEZONE when it has one that is safe to expand, else an IANA zone libical knows, else
 * a Windows zone name mapped to IANA through CLDR's windowsZones data, else the default zone
 * with a warning. Floating times are wall time in the default zone; a DATE starts at its
 * midnight in the zone it is read in.
 */
#ifndef NOSHOWD_ICALTZ_H
#define NOSHOWD_ICALTZ_H

#include <stddef.h>
#include <time.h>

#include <libical/ical.h>

#include "strmap.h"

struct icalctx;

struct icaltz_zone {
	char *tzid;
	size_t cal;
	icaltimezone *zone;
	char *iana;			/* NULL: UTC */
};

/* The zones of one parse: the default, and every TZID met, each looked up once. */
struct icaltz {
	icaltimezone *utc, *default_zone;
	char *default_iana;		/* NULL for UTC */
	struct icaltz_zone *zones;
	size_t nzones, zones_cap;
	struct strmap map;		/* TZID (+ calendar) -> zones[] */
};

/* A DATE or DATE-TIME as read. */
struct icaltz_when {
	struct icaltimetype tt;		/* as given, with .zone set to the zone used */
	icaltimezone *zone;
	const char *iana;
	time_t t;			/* UTC; a DATE is its midnight in the zone */
};

/*
 * Start with default_zone as the zone of floating times. Returns -1 when default_zone names
 * a zone libical does not know (UTC is used instead), else 0.
 */
int icaltz_init(struct icaltz *tz, const char *default_zone);
void icaltz_release(struct icaltz *tz);

/*
 * A DATE or DATE-TIME of property p (value tt) of calendar cal as UTC: Z, TZID, or
 * floating/DATE in the default zone. -1 if there is no usable value. A TZID met for the
 * first time may cost budget (its VTIMEZONE is checked before libical expands it) and a
 * warning at line.
 */
int icaltz_when_get(struct icalctx *c, size_t cal, icalproperty *p, struct icaltimetype tt,
    int line, struct icaltz_when *w);

/* Wall time tt in zone as UTC; a DATE is its midnight. */
time_t icaltz_wall_to_utc(struct icaltimetype tt, icaltimezone *zone);

/* IANA zone for a Windows zone name, or NULL (ical_windows_zone()). */
const char *icaltz_windows_zone(const char *windows_name);

#endif
