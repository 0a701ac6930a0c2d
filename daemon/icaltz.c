/*
 * Time zones and times of an iCalendar feed (see icaltz.h).
 *
 * libical is trusted with a feed's own VTIMEZONE only after a look at its rules: a zone
 * definition can make libical's expansion run for minutes (see vtimezone_usable()), and what
 * it costs comes out of the parse's budget of libical time (icalctx.h).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <libical/ical.h>

#include "days.h"
#include "embed.h"
#include "icalctx.h"
#include "strmap.h"
#include "icalrule.h"
#include "icaltz.h"
#include "util.h"

/* ---- Windows zone names (CLDR windowsZones, embedded as data/windows-zones.tsv) ---- */

struct winzone {
	const char *name, *iana;
};

static struct winzone *winzones;	/* pointing into winzones_text */
static char *winzones_text;
static size_t nwinzones;
static pthread_once_t winzones_once = PTHREAD_ONCE_INIT;

static int
winzone_cmp(const void *a, const void *b)
{
	return strcmp(((const struct winzone *)a)->name, ((const struct winzone *)b)->name);
}

/* Built once and kept for the life of the process: the table is small and never changes. */
static void
winzones_load(void)
{
	size_t cap = 0;
	char *line, *next;

	if (windows_zones_count == 0)
		return;
	winzones_text = xstrndup(windows_zones[0].data, windows_zones[0].len);
	for (line = winzones_text; line != NULL && *line != '\0'; line = next) {
		char *tab;

		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		line[strcspn(line, "\r")] = '\0';
		if (*line == '#' || (tab = strchr(line, '\t')) == NULL)
			continue;
		*tab = '\0';
		winzones = xgrow(winzones, &cap, nwinzones + 1, sizeof(*winzones));
		winzones[nwinzones].name = line;
		winzones[nwinzones++].iana = tab + 1;
	}
	qsort(winzones, nwinzones, sizeof(*winzones), winzone_cmp);
}

const char *
icaltz_windows_zone(const char *windows_name)
{
	struct winzone key = { windows_name, NULL }, *hit;

	if (windows_name == NULL)
		return NULL;
	pthread_once(&winzones_once, winzones_load);
	hit = bsearch(&key, winzones, nwinzones, sizeof(*winzones), winzone_cmp);
	return hit != NULL ? hit->iana : NULL;
}

/* ---- the zones of one parse ---- */

/*
 * libical expands a VTIMEZONE observance by observance, from each one's DTSTART year on,
 * with its general recurrence code: a rule more frequent than yearly (or one matching many
 * days a year) costs it minutes and memory. Real zone definitions say "the last Sunday of
 * October" and the like, so anything else is not used; the cost of the rest is charged.
 */
static int
vtimezone_usable(struct icalctx *c, icalcomponent *vtz, const char **why)
{
	int nobs = 0, nrules = 0, nrdates = 0;
	long years = 0, cost;

	for (icalcomponent *o = icalcomponent_get_first_component(vtz, ICAL_ANY_COMPONENT);
	    o != NULL; o = icalcomponent_get_next_component(vtz, ICAL_ANY_COMPONENT)) {
		icalcomponent_kind k = icalcomponent_isa(o);
		icalproperty *p;
		int from;

		if (k != ICAL_XSTANDARD_COMPONENT && k != ICAL_XDAYLIGHT_COMPONENT)
			continue;
		nobs++;
		p = icalcomponent_get_first_property(o, ICAL_DTSTART_PROPERTY);
		if (p == NULL)
			return *why = "has an observance without DTSTART", 0;
		from = icalproperty_get_dtstart(p).year;
		from = from < 1 ? 1 : from > 2040 ? 2040 : from;
		for (p = icalcomponent_get_first_property(o, ICAL_ANY_PROPERTY); p != NULL;
		    p = icalcomponent_get_next_property(o, ICAL_ANY_PROPERTY)) {
			struct icalrecurrencetype r;
			int nmonth, nday, nmday, to;

			if (icalproperty_isa(p) == ICAL_RDATE_PROPERTY)
				nrdates++;
			if (icalproperty_isa(p) != ICAL_RRULE_PROPERTY)
				continue;
			nrules++;
			r = icalproperty_get_rrule(p);
			nmonth = icalrule_by_count(r.by_month, ICAL_BY_MONTH_SIZE);
			nday = icalrule_by_count(r.by_day, ICAL_BY_DAY_SIZE);
			nmday = icalrule_by_count(r.by_month_day, ICAL_BY_MONTHDAY_SIZE);
			if (r.freq != ICAL_YEARLY_RECURRENCE || r.rscale != NULL ||
			    nmonth > 1 || nday > 1 || nmday > 7 || ((nday || nmday) && !nmonth) ||
			    icalrule_by_count(r.by_hour, ICAL_BY_HOUR_SIZE) > 1 ||
			    icalrule_by_count(r.by_minute, ICAL_BY_MINUTE_SIZE) > 1 ||
			    icalrule_by_count(r.by_second, ICAL_BY_SECOND_SIZE) > 1 ||
			    icalrule_by_count(r.by_year_day, ICAL_BY_YEARDAY_SIZE) > 0 ||
			    icalrule_by_count(r.by_week_no, ICAL_BY_WEEKNO_SIZE) > 0 ||
			    icalrule_by_count(r.by_set_pos, ICAL_BY_SETPOS_SIZE) > 0)
				return *why = "has a rule other than once a year", 0;
			to = icaltime_is_null_time(r.until) || r.until.year > 2040 ? 2040 :
			    r.until.year;
			years += to > from ? to - from : 1;
		}
	}
	if (nobs == 0)
		return *why = "has no STANDARD or DAYLIGHT part", 0;
	if (nobs > 1000 || nrules > 200 || nrdates > 5000)
		return *why = "is too large", 0;
	cost = years * COST_TZ_YEAR + (long)nrdates * COST_RESULT;
	if (cost > c->budget)
		return *why = "would take too long to expand in a feed this size", 0;
	c->budget -= cost;
	return 1;
}

/* *iana is libical's string, which it replaces when it loads the zone: copy it at once. */
static icaltimezone *
builtin_zone(const char *name, const char **iana)
{
	icaltimezone *z;

	if (name == NULL || *name == '\0')
		return NULL;
	if ((z = icaltimezone_get_builtin_timezone(name)) != NULL)
		*iana = icaltimezone_get_location(z);	/* NULL for UTC */
	return z;
}

int
icaltz_init(struct icaltz *tz, const char *default_zone)
{
	const char *iana = NULL;

	memset(tz, 0, sizeof(*tz));
	tz->utc = icaltimezone_get_utc_timezone();
	tz->default_zone = builtin_zone(default_zone, &iana);
	tz->default_iana = tz->default_zone && iana ? xstrdup(iana) : NULL;
	if (tz->default_zone == NULL) {
		tz->default_zone = tz->utc;
		tz->default_iana = NULL;
		return default_zone != NULL && *default_zone != '\0' ? -1 : 0;
	}
	return 0;
}

void
icaltz_release(struct icaltz *tz)
{
	for (size_t i = 0; i < tz->nzones; i++) {
		free(tz->zones[i].tzid);
		free(tz->zones[i].iana);
	}
	free(tz->zones);
	free(tz->default_iana);
	strmap_release(&tz->map);
	memset(tz, 0, sizeof(*tz));
}

/*
 * The zone a TZID names: the file's own VTIMEZONE when it has one (and it is safe to
 * expand), else an IANA name libical knows (also behind a "/vendor/version/" prefix), else a
 * Windows name through CLDR, else the default zone with a warning. Looked up once per TZID.
 */
static struct icaltz_zone *
zone_for(struct icalctx *c, size_t cal, const char *tzid, int line)
{
	struct icaltz *tz = &c->tz;
	size_t i = strmap_get(&tz->map, tzid, cal);
	struct icaltz_zone *z;
	icaltimezone *vz, *found = NULL;
	const char *iana = NULL, *why = NULL, *w;
	char q[80];

	if (i != NOIDX)
		return &tz->zones[i];
	vz = icalcomponent_get_timezone(c->cals[cal], tzid);
	if (vz != NULL && vtimezone_usable(c, icaltimezone_get_component(vz), &why)) {
		const char *l = icaltimezone_get_location(vz);	/* X-LIC-LOCATION */

		found = vz;
		if (builtin_zone(tzid, &iana) == NULL && builtin_zone(l, &iana) == NULL &&
		    (iana = icaltz_windows_zone(tzid)) != NULL && builtin_zone(iana, &iana) == NULL)
			iana = NULL;
	}
	if (found == NULL)
		found = builtin_zone(tzid, &iana);
	for (const char *s = tzid; found == NULL && tzid[0] == '/' && (s = strchr(s, '/')); )
		found = builtin_zone(++s, &iana);
	if (found == NULL && (w = icaltz_windows_zone(tzid)) != NULL)
		found = builtin_zone(w, &iana);
	if (vz != NULL && why != NULL)
		icalctx_warn(c, line, "time zone '%s' in the feed %s; times read as %s",
		    icalctx_shorten(tzid, q), why, found && iana ? iana : found ? "UTC" :
		    tz->default_iana ? tz->default_iana : "UTC");
	else if (found == NULL)
		icalctx_warn(c, line, "unknown time zone '%s'; times read as %s",
		    icalctx_shorten(tzid, q), tz->default_iana ? tz->default_iana : "UTC");
	if (found == NULL) {
		found = tz->default_zone;
		iana = tz->default_iana;
	}
	tz->zones = xgrow(tz->zones, &tz->zones_cap, tz->nzones + 1, sizeof(*tz->zones));
	z = &tz->zones[tz->nzones];
	z->tzid = xstrdup(tzid);
	z->cal = cal;
	z->zone = found;
	z->iana = iana ? xstrdup(iana) : NULL;
	strmap_put(&tz->map, z->tzid, cal, tz->nzones++);
	return z;
}

time_t
icaltz_wall_to_utc(struct icaltimetype tt, icaltimezone *zone)
{
	if (tt.is_date) {
		tt.is_date = 0;
		tt.hour = tt.minute = tt.second = 0;
	}
	/* A wall time on a DST switch night as the configured sessions read it (days.h). */
	if (zone != NULL && !icaltime_is_utc(tt) && zone != icaltimezone_get_utc_timezone())
		return days_zone_to_utc(zone, tt.year, tt.month, tt.day, tt.hour, tt.minute,
		    tt.second);
	return icaltime_as_timet_with_zone(tt, zone);
}

int
icaltz_when_get(struct icalctx *c, size_t cal, icalproperty *p, struct icaltimetype tt,
    int line, struct icaltz_when *w)
{
	icalparameter *tzp;
	const char *tzid;

	if (p == NULL || icaltime_is_null_time(tt) || !icaltime_is_valid_time(tt) ||
	    tt.year < 1 || tt.year > 9999)
		return -1;
	if (icaltime_is_utc(tt)) {
		w->zone = c->tz.utc;
		w->iana = NULL;
	} else if (!tt.is_date &&
	    (tzp = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER)) != NULL &&
	    (tzid = icalparameter_get_tzid(tzp)) != NULL && *tzid != '\0') {
		struct icaltz_zone *z = zone_for(c, cal, tzid, line);

		w->zone = z->zone;
		w->iana = z->iana;
	} else {
		w->zone = c->tz.default_zone;
		w->iana = c->tz.default_iana;
	}
	tt.zone = w->zone;
	w->tt = tt;
	w->t = icaltz_wall_to_utc(tt, w->zone);
	return 0;
}
