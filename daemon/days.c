#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <libical/ical.h>

#include "days.h"

/*
 * libical's lookup of a builtin zone searches its whole list every time; nearly every call
 * asks for the configured zone, so the last answer is kept.
 */
static icaltimezone *
days_zone(const char *zone)
{
	static char last_name[64];
	static icaltimezone *last_zone;
	icaltimezone *z;

	if (zone == NULL || strcmp(zone, "UTC") == 0 || strcmp(zone, "Etc/UTC") == 0)
		return icaltimezone_get_utc_timezone();
	if (last_zone != NULL && strcmp(zone, last_name) == 0)
		return last_zone;
	z = icaltimezone_get_builtin_timezone(zone);
	if (z != NULL && strlen(zone) < sizeof(last_name)) {
		snprintf(last_name, sizeof(last_name), "%s", zone);
		last_zone = z;
	}
	return z;
}

int
days_zone_known(const char *zone)
{
	return zone != NULL && days_zone(zone) != NULL;
}

int
days_parse_duration(const char *s, int64_t *secs)
{
	int64_t n = 0, unit;
	const char *p = s;

	if (!isdigit((unsigned char)*p))
		return -1;
	for (; isdigit((unsigned char)*p); p++) {
		if (n > INT64_MAX / 10 / 604800)
			return -1;
		n = n * 10 + (*p - '0');
	}
	switch (*p) {
	case 's': unit = 1; break;
	case 'm': unit = 60; break;
	case 'h': unit = 3600; break;
	case 'd': unit = 86400; break;
	case 'w': unit = 604800; break;
	default: return -1;
	}
	if (p[1] != '\0')
		return -1;
	*secs = n * unit;
	return 0;
}

void
days_format_duration(int64_t secs, char out[32])
{
	static const struct { int64_t n; char c; } units[] = {
		{ 604800, 'w' }, { 86400, 'd' }, { 3600, 'h' }, { 60, 'm' },
	};

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (secs != 0 && secs % units[i].n == 0) {
			snprintf(out, 32, "%" PRId64 "%c", secs / units[i].n, units[i].c);
			return;
		}
	}
	snprintf(out, 32, "%" PRId64 "s", secs);
}

static int
days_in_month(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[m - 1];
}

/* The UTC offset of zone at t, from libical's wall time for t. */
static long
days_offset(icaltimezone *z, time_t t)
{
	struct icaltimetype w = icaltime_from_timet_with_zone(t, 0, z);
	struct tm tm = { .tm_year = w.year - 1900, .tm_mon = w.month - 1, .tm_mday = w.day,
	    .tm_hour = w.hour, .tm_min = w.minute, .tm_sec = w.second };

	return (long)(timegm(&tm) - t);
}

/*
 * RFC 5545 3.3.5: a wall time that a DST switch skips (02:30 on the last Sunday of March in
 * Europe/Amsterdam) is read with the offset before the gap, so it is 03:30 summer time; one
 * that occurs twice (02:30 on the last Sunday of October) is its first occurrence. libical
 * gives the hour before the gap and the second occurrence.
 */
time_t
days_zone_to_utc(icaltimezone *z, int year, int mon, int mday, int hour, int min, int sec)
{
	struct icaltimetype tt = icaltime_null_time();
	struct tm tm = { .tm_year = year - 1900, .tm_mon = mon - 1, .tm_mday = mday,
	    .tm_hour = hour, .tm_min = min, .tm_sec = sec };
	time_t wall = timegm(&tm), a, b;
	long before, after;
	int a_ok, b_ok;

	tt.year = year;
	tt.month = mon;
	tt.day = mday;
	tt.hour = hour;
	tt.minute = min;
	tt.second = sec;
	tt.is_date = 0;
	tt.zone = z;
	before = days_offset(z, wall - 86400);
	after = days_offset(z, wall + 86400);
	if (before == after)
		return icaltime_as_timet_with_zone(tt, z);
	a = wall - before;
	b = wall - after;
	a_ok = a + days_offset(z, a) == wall;
	b_ok = b + days_offset(z, b) == wall;
	if (a_ok && b_ok)
		return a < b ? a : b;
	return b_ok && !a_ok ? b : a;
}

int
days_local_to_utc(int year, int mon, int mday, int hour, int min, int sec,
    const char *zone, time_t *out)
{
	icaltimezone *z = days_zone(zone);

	if (z == NULL)
		return -1;
	*out = days_zone_to_utc(z, year, mon, mday, hour, min, sec);
	return 0;
}

int
days_utc_to_local(time_t t, const char *zone, struct tm *out)
{
	icaltimezone *z = days_zone(zone);
	struct icaltimetype tt;
	struct tm tm;
	time_t wall;

	if (z == NULL)
		return -1;
	tt = icaltime_from_timet_with_zone(t, 0, z);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = tt.year - 1900;
	tm.tm_mon = tt.month - 1;
	tm.tm_mday = tt.day;
	tm.tm_hour = tt.hour;
	tm.tm_min = tt.minute;
	tm.tm_sec = tt.second;
	wall = timegm(&tm);	/* also fills tm_wday and tm_yday */
	tm.tm_gmtoff = (long)(wall - t);
	*out = tm;
	return 0;
}

void
days_format_iso(time_t t, const char *zone, char out[32])
{
	struct tm tm;
	int off;

	if (days_utc_to_local(t, zone, &tm) < 0)
		days_utc_to_local(t, "UTC", &tm);
	off = (int)(tm.tm_gmtoff < 0 ? -tm.tm_gmtoff : tm.tm_gmtoff) % 86400;
	snprintf(out, 32, "%04u-%02u-%02uT%02u:%02u:%02u%c%02u:%02u",
	    (unsigned)(tm.tm_year + 1900) % 10000, (unsigned)(tm.tm_mon + 1) % 100,
	    (unsigned)tm.tm_mday % 100, (unsigned)tm.tm_hour % 100, (unsigned)tm.tm_min % 100,
	    (unsigned)tm.tm_sec % 100, tm.tm_gmtoff < 0 ? '-' : '+', (unsigned)off / 3600,
	    (unsigned)off / 60 % 60);
}

static int
days_digits(const char **p, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++, (*p)++) {
		if (!isdigit((unsigned char)**p))
			return -1;
		*v = *v * 10 + (**p - '0');
	}
	return 0;
}

int
days_parse_iso(const char *s, const char *zone, time_t *out)
{
	const char *p = s;
	int y, mo, d, h = 0, mi = 0, se = 0, oh, om;
	struct tm tm;

	if (days_digits(&p, 4, &y) < 0 || *p++ != '-' || days_digits(&p, 2, &mo) < 0 ||
	    *p++ != '-' || days_digits(&p, 2, &d) < 0)
		return -1;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
		return -1;
	if (*p == '\0')
		return days_local_to_utc(y, mo, d, 0, 0, 0, zone, out);
	if (*p != 'T' && *p != ' ')
		return -1;
	p++;
	if (days_digits(&p, 2, &h) < 0 || *p++ != ':' || days_digits(&p, 2, &mi) < 0)
		return -1;
	if (*p == ':') {
		p++;
		if (days_digits(&p, 2, &se) < 0)
			return -1;
	}
	if (h > 23 || mi > 59 || se > 59)
		return -1;
	if (*p == '\0')
		return days_local_to_utc(y, mo, d, h, mi, se, zone, out);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	if (*p == 'Z' && p[1] == '\0') {
		*out = timegm(&tm);
		return 0;
	}
	if (*p != '+' && *p != '-')
		return -1;
	{
		int sign = *p++ == '-' ? -1 : 1;

		if (days_digits(&p, 2, &oh) < 0)
			return -1;
		if (*p == ':')
			p++;
		if (days_digits(&p, 2, &om) < 0 || *p != '\0' || oh > 23 || om > 59)
			return -1;
		*out = timegm(&tm) - sign * (oh * 3600 + om * 60);
	}
	return 0;
}

/* Easter Sunday in the Gregorian calendar (the anonymous algorithm of 1876). */
static void
days_easter(int y, int *mon, int *mday)
{
	int a = y % 19, b = y / 100, c = y % 100, d = b / 4, e = b % 4;
	int f = (b + 8) / 25, g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30;
	int i = c / 4, k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7;
	int m = (a + 11 * h + 22 * l) / 451;

	*mon = (h + l - 7 * m + 114) / 31;
	*mday = (h + l - 7 * m + 114) % 31 + 1;
}

/* Day of the year (0-based) and weekday (0 = Sunday) of a date. */
static void
days_yday(int y, int mon, int mday, int *yday, int *wday)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = mday;
	tm.tm_hour = 12;
	timegm(&tm);
	*yday = tm.tm_yday;
	*wday = tm.tm_wday;
}

int
days_is_dutch_holiday(int y, int mon, int mday)
{
	int em, ed, eyday, yday, wday, w;

	if ((mon == 1 && mday == 1) || (mon == 5 && mday == 5) ||
	    (mon == 12 && (mday == 25 || mday == 26)))
		return 1;
	days_yday(y, 4, 27, &yday, &w);
	if (mon == 4 && mday == (w == 0 ? 26 : 27))
		return 1;
	days_easter(y, &em, &ed);
	days_yday(y, em, ed, &eyday, &w);
	days_yday(y, mon, mday, &yday, &wday);
	return yday == eyday + 1 || yday == eyday + 39 || yday == eyday + 50;
}

int
days_is_good_friday(int y, int mon, int mday)
{
	int em, ed, eyday, yday, w;

	days_easter(y, &em, &ed);
	days_yday(y, em, ed, &eyday, &w);
	days_yday(y, mon, mday, &yday, &w);
	return yday == eyday - 2;
}

int
days_is_business_day(int y, int mon, int mday, int good_friday)
{
	int yday, wday;

	days_yday(y, mon, mday, &yday, &wday);
	return wday != 0 && wday != 6 && !days_is_dutch_holiday(y, mon, mday) &&
	    !(good_friday && days_is_good_friday(y, mon, mday));
}

int
days_wall_on(time_t t, const char *zone, int add_days, int secs, time_t *out)
{
	struct tm tm;
	time_t wall;

	if (days_utc_to_local(t, zone, &tm) < 0)
		return -1;
	tm.tm_mday += add_days;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = 0;
	wall = timegm(&tm);	/* normalises the date */
	gmtime_r(&wall, &tm);
	return days_local_to_utc(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, secs / 3600,
	    secs / 60 % 60, secs % 60, zone, out);
}

time_t
days_next_business_day(time_t t, const char *zone, int good_friday)
{
	struct tm tm;

	for (int i = 0; i < 14; i++) {	/* never more than a few days; bounded anyway */
		time_t u;

		if (days_utc_to_local(t, zone, &tm) < 0)
			return t;
		if (days_is_business_day(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		    good_friday))
			return t;
		/* Next calendar day, same wall time: through the zone, for DST changes. */
		if (days_wall_on(t, zone, 1, tm.tm_hour * 3600 + tm.tm_min * 60 + tm.tm_sec,
		    &u) < 0)
			return t;
		t = u;
	}
	return t;
}
