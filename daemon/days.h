/*
 * Time at the edges: durations, ISO 8601 moments, and conversion between UTC seconds and
 * wall-clock time in a named zone (IANA names, through libical's zone data). Inside noshowd
 * every moment is a time_t in UTC; these functions are where text and zones come in and out.
 */
#ifndef NOSHOWD_DAYS_H
#define NOSHOWD_DAYS_H

#include <stdint.h>
#include <time.h>

/* "90s", "30m", "48h", "7d", "2w" -> seconds. Strict: digits then exactly one unit. */
int days_parse_duration(const char *s, int64_t *secs);
/* Shortest exact text for a duration ("7d", "36h", "90s"). */
void days_format_duration(int64_t secs, char out[32]);

/*
 * Parse an ISO 8601 moment: "2027-01-04T09:00:00+01:00", "...Z", "2027-01-04T09:00" or
 * "2027-01-04 09:00" (wall time in `zone`), or a date "2027-01-04" (midnight in `zone`).
 * Returns 0, or -1 if the text is not such a moment or the date does not exist.
 */
int days_parse_iso(const char *s, const char *zone, time_t *out);

/* "2027-01-04T09:00:00+01:00": t shown as wall time in zone, with that zone's offset. */
void days_format_iso(time_t t, const char *zone, char out[32]);

/*
 * Wall time in a zone -> UTC, as RFC 5545 3.3.5 reads it: a time skipped by a DST switch
 * with the offset before the gap (02:30 becomes 03:30 summer time); of a repeated hour,
 * the first. Returns -1 if zone is unknown.
 */
int days_local_to_utc(int year, int mon, int mday, int hour, int min, int sec,
    const char *zone, time_t *out);
/* The same in a libical zone (an icaltimezone: a feed's own VTIMEZONE, say). */
struct _icaltimezone;
time_t days_zone_to_utc(struct _icaltimezone *z, int year, int mon, int mday, int hour,
    int min, int sec);
/* UTC -> wall time in zone (struct tm fields as in gmtime; tm_gmtoff set). */
int days_utc_to_local(time_t t, const char *zone, struct tm *out);

/* 1 if zone is a zone name libical knows. */
int days_zone_known(const char *zone);



/*
 * Dutch public holidays that close offices and banks: New Year's Day, Easter Monday, King's
 * Day (27 April, or 26 April when the 27th is a Sunday), Liberation Day (5 May, every
 * year), Ascension Day, Whit Monday, Christmas Day and Boxing Day. Easter Sunday and Whit
 * Sunday fall on Sundays anyway. Good Friday is not a general day off and is not counted.
 */
int days_is_dutch_holiday(int year, int mon, int mday);
/* Good Friday (Easter Sunday - 2): a day off for many, but banks are open. */
int days_is_good_friday(int year, int mon, int mday);
/* Neither a weekend day nor a Dutch public holiday (nor, with good_friday, Good Friday). */
int days_is_business_day(int year, int mon, int mday, int good_friday);
/*
 * The wall-clock time `secs` seconds after local midnight on the date of t in zone, moved
 * by add_days calendar days (through the zone, so across a DST switch too). 0 or -1.
 */
int days_wall_on(time_t t, const char *zone, int add_days, int secs, time_t *out);

/*
 * t itself if its date in zone is a working day, else the same wall-clock time on the next
 * working day.
 */
time_t days_next_business_day(time_t t, const char *zone, int good_friday);

#endif
