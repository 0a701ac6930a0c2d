/*
 * Courses: counting the meetings of a recurring VEVENT (see icalrule.h).
 *
 * Some rules make libical loop for seconds or forever (an impossible FREQ=MONTHLY rule
 * searches up to the year 20000), so a rule's shape is checked before it is expanded, and
 * its walk is bounded by a horizon and by what is left of the budget. A feed that exhausts
 * the budget still parses; the rest of its courses are reported with meetings = 0 ("not
 * counted") and a warning.
 */
#include <stdlib.h>
#include <time.h>

#include <libical/ical.h>

#include "feed.h"
#include "icalctx.h"
#include "strmap.h"
#include "icalrule.h"
#include "icaltz.h"
#include "util.h"

#define MEETINGS_MAX	1000	/* a course's meetings are counted up to here */

int
icalrule_by_count(const short *a, int size)
{
	int n = 0;

	while (n < size && a[n] != ICAL_RECURRENCE_ARRAY_MAX)
		n++;
	return n;
}

struct exclusions {
	time_t *at;			/* excluded starts */
	size_t nat, at_cap;
	int *days;			/* excluded dates (EXDATE;VALUE=DATE), as yyyymmdd */
	size_t ndays, days_cap;
};

static int
time_cmp(const void *a, const void *b)
{
	time_t x = *(const time_t *)a, y = *(const time_t *)b;

	return x < y ? -1 : x > y;
}

static int
int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

static void
exclude(struct icalctx *c, size_t cal, struct exclusions *ex, icalproperty *p,
    struct icaltimetype tt, const struct icaltz_when *start, int line)
{
	struct icaltz_when w;

	if (tt.is_date && !icaltime_is_null_time(tt)) {
		ex->days = xgrow(ex->days, &ex->days_cap, ex->ndays + 1, sizeof(int));
		ex->days[ex->ndays++] = tt.year * 10000 + tt.month * 100 + tt.day;
		return;
	}
	if (icaltz_when_get(c, cal, p, tt, line, &w) < 0)
		return;
	if (!icaltime_is_utc(tt) && icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER) == NULL)
		w.t = icaltz_wall_to_utc(tt, start->zone);	/* floating: as the start's zone */
	ex->at = xgrow(ex->at, &ex->at_cap, ex->nat + 1, sizeof(time_t));
	ex->at[ex->nat++] = w.t;
}

static int
excluded(const struct exclusions *ex, struct icaltimetype occ, time_t t)
{
	int day = occ.year * 10000 + occ.month * 100 + occ.day;

	return (ex->nat && bsearch(&t, ex->at, ex->nat, sizeof(time_t), time_cmp)) ||
	    (ex->ndays && bsearch(&day, ex->days, ex->ndays, sizeof(int), int_cmp));
}

/* The longest month BYMONTH allows (29 for February alone); 0 if it names no real month. */
static int
longest_month(const struct icalrecurrencetype *r)
{
	static const int mdays[13] = { 31, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int nmonth = icalrule_by_count(r->by_month, ICAL_BY_MONTH_SIZE), longest = 0;

	if (nmonth == 0)
		return 31;
	for (int i = 0; i < nmonth; i++) {
		if (icalrecurrencetype_month_is_leap(r->by_month[i]) ||
		    r->by_month[i] < 1 || r->by_month[i] > 12)
			return 0;
		if (mdays[r->by_month[i]] > longest)
			longest = mdays[r->by_month[i]];
	}
	return longest;
}

/* "30 February": no BYMONTHDAY fits any month the rule allows. */
static int
rule_never_matches(const struct icalrecurrencetype *r)
{
	int nmday = icalrule_by_count(r->by_month_day, ICAL_BY_MONTHDAY_SIZE);
	int longest = longest_month(r);

	if (nmday == 0 || longest == 0)
		return 0;
	for (int i = 0; i < nmday; i++)
		if (r->by_month_day[i] != 0 && abs(r->by_month_day[i]) <= longest)
			return 0;
	return 1;
}

/*
 * Whether an unsatisfiable MONTHLY/YEARLY rule is ruled out by its shape: libical's iterator
 * spends ~0.3 s searching to the year 20000 before it gives up on one. "Surely" here means
 * that every month (or year) the rule allows has a match.
 */
static int
rule_surely_matches(const struct icalrecurrencetype *r)
{
	int nday = icalrule_by_count(r->by_day, ICAL_BY_DAY_SIZE);
	int nmday = icalrule_by_count(r->by_month_day, ICAL_BY_MONTHDAY_SIZE);
	int nsetpos = icalrule_by_count(r->by_set_pos, ICAL_BY_SETPOS_SIZE);
	int nmonth = icalrule_by_count(r->by_month, ICAL_BY_MONTH_SIZE);
	int longest = longest_month(r), ok = nmday == 0;

	if (icalrule_by_count(r->by_year_day, ICAL_BY_YEARDAY_SIZE) ||
	    icalrule_by_count(r->by_week_no, ICAL_BY_WEEKNO_SIZE) || (nmday && nday) ||
	    (nsetpos && !nday) || longest == 0)
		return 0;
	for (int i = 0; i < nmday && !ok; i++)
		ok = r->by_month_day[i] != 0 && abs(r->by_month_day[i]) <= 28;
	if (!ok)
		return 0;
	ok = nday == 0;
	for (int i = 0; i < nday && !ok; i++) {
		int pos = icalrecurrencetype_day_position(r->by_day[i]);
		int limit = r->freq == ICAL_YEARLY_RECURRENCE && nmonth == 0 ? 52 : 4;

		ok = abs(pos) <= limit && !(nsetpos && pos != 0);
	}
	for (int i = 0; i < nsetpos && ok; i++)
		ok = r->by_set_pos[i] != 0 && abs(r->by_set_pos[i]) <= 4 * nday;
	return ok;
}

/*
 * Meetings and last end of a course. The count stops at MEETINGS_MAX; the walk stops at a
 * horizon (30 years of days or weeks, 100 of months or years) that no real course reaches,
 * since libical checks UNTIL only between steps and an empty rule otherwise runs to 2582.
 * Leaves *meetings = 0 (not counted) when the rule is unbounded or cannot be expanded safely.
 */
static void
course_count(struct icalctx *c, const struct vevent *v, const struct icaltz_when *start,
    time_t dur, const struct exclusions *ex, int *meetings, time_t *end)
{
	char name[96];
	struct icalrecurrencetype r = icalproperty_get_rrule(v->rrule), run;
	struct icaltimetype horizon = start->tt, occ;
	icalrecur_iterator *it;
	time_t t, last = start->t, stop, horizon_t, until_t;
	long steps, unit, search = 0, max_cost, cost;
	int n = 0, raw = 0, rawmax, years, at_horizon, cut = 0;
	const char *why = NULL;

	*meetings = 0;
	*end = start->t + dur;
	if (r.count == 0 && icaltime_is_null_time(r.until))
		return;			/* open-ended */
	switch (r.freq) {
	case ICAL_DAILY_RECURRENCE:
		unit = COST_DAY, years = 30, steps = 30 * 366;
		break;
	case ICAL_WEEKLY_RECURRENCE:
		unit = COST_WEEK, years = 30, steps = 30 * 53;
		break;
	case ICAL_MONTHLY_RECURRENCE:
		unit = COST_MONTH, years = 100, steps = 1200, search = COST_SEARCH_MONTHLY;
		break;
	case ICAL_YEARLY_RECURRENCE:
		unit = COST_YEAR, years = 100, steps = 100, search = COST_SEARCH_YEARLY;
		break;
	default:
		why = "repeats more often than daily";
		goto not_counted;
	}
	if (r.rscale != NULL)
		why = "uses a non-Gregorian calendar (RSCALE)";
	else if (icalrule_by_count(r.by_hour, ICAL_BY_HOUR_SIZE) > 1 ||
	    icalrule_by_count(r.by_minute, ICAL_BY_MINUTE_SIZE) > 1 ||
	    icalrule_by_count(r.by_second, ICAL_BY_SECOND_SIZE) > 1)
		why = "has several meetings a day";
	else if (search == 0 && (icalrule_by_count(r.by_set_pos, ICAL_BY_SETPOS_SIZE) ||
	    icalrule_by_count(r.by_year_day, ICAL_BY_YEARDAY_SIZE) ||
	    icalrule_by_count(r.by_week_no, ICAL_BY_WEEKNO_SIZE)))
		why = "uses BYSETPOS, BYYEARDAY or BYWEEKNO in a daily or weekly rule";
	if (why != NULL)
		goto not_counted;
	if (rule_never_matches(&r)) {
		icalctx_warn(c, v->line, "course %s: its RRULE matches no date; counted as one "
		    "meeting", icalctx_event_name(v, name));
		*meetings = 1;
		return;
	}
	if (search != 0 && rule_surely_matches(&r))
		search = 0;
	steps = steps / (r.interval > 0 ? r.interval : 1) + 1;
	rawmax = MEETINGS_MAX + (int)(ex->nat + ex->ndays) + 1;
	max_cost = search + steps * unit + (long)rawmax * COST_RESULT;
	if (max_cost > c->budget) {
		why = "is one too many to expand in a feed this size";
		goto not_counted;
	}

	horizon.year = start->tt.year + years > 9999 ? 9999 : start->tt.year + years;
	horizon = icaltime_normalize(horizon);	/* 29 February */
	horizon_t = icaltz_wall_to_utc(horizon, start->zone);
	run = r;
	at_horizon = icaltime_is_null_time(r.until) || icaltime_compare(r.until, horizon) > 0;
	if (at_horizon)
		run.until = horizon;
	until_t = at_horizon ? horizon_t : icaltz_wall_to_utc(r.until, icaltime_is_utc(r.until) ?
	    c->tz.utc : start->zone);
	it = icalrecur_iterator_new(run, start->tt);
	icalerror_clear_errno();
	if (it == NULL) {
		c->budget -= search;
		why = "cannot be expanded";
		goto not_counted;
	}
	stop = until_t;
	while (!icaltime_is_null_time(occ = icalrecur_iterator_next(it))) {
		t = icaltz_wall_to_utc(occ, start->zone);
		if (++raw > rawmax) {
			cut = 1, stop = t;
			break;
		}
		if (r.count > 0 && raw >= r.count)
			stop = t;	/* COUNT ends the walk here, not at UNTIL */
		if (excluded(ex, occ, t))
			continue;
		if (n == MEETINGS_MAX) {
			cut = 1, stop = t;	/* there is one more: stop counting */
			break;
		}
		last = t;
		n++;
	}
	icalrecur_iterator_free(it);
	icalerror_clear_errno();
	/* libical searches far ahead only for a rule that never matches */
	cost = (raw == 0 ? search : 0) + (long)((double)steps * unit * ((double)(stop - start->t) /
	    (double)(horizon_t > start->t ? horizon_t - start->t : 1))) + (long)raw * COST_RESULT;
	c->budget -= cost < 0 ? 0 : cost < max_cost ? cost : max_cost;

	if (n == 0) {	/* DTSTART is a meeting whatever the rule says */
		icalctx_warn(c, v->line, "course %s: %s; counted as one meeting",
		    icalctx_event_name(v, name), raw == 0 ? "its RRULE matches no date" :
		    "every meeting is excluded (EXDATE)");
		*meetings = 1;
		return;
	}
	if (cut && n == MEETINGS_MAX)
		icalctx_warn(c, v->line, "course %s has more than %d meetings; counted %d",
		    icalctx_event_name(v, name), MEETINGS_MAX, MEETINGS_MAX);
	else if (at_horizon && !cut && (r.count == 0 || raw < r.count))
		icalctx_warn(c, v->line, "course %s: meetings counted up to %d only",
		    icalctx_event_name(v, name), horizon.year);
	*meetings = n;
	*end = last + dur;
	return;

not_counted:
	icalctx_warn(c, v->line, "course %s: its RRULE %s; meetings not counted",
	    icalctx_event_name(v, name), why);
}

void
icalrule_course(struct icalctx *c, const struct vevent *v, const struct icaltz_when *start,
    struct feed_session *s)
{
	struct exclusions ex = { 0 };
	char name[96], *text;
	struct icalrecurrencetype r;

	if (v->nrdate > 0)
		icalctx_warn(c, v->line, "event %s: extra dates (RDATE) are not counted as "
		    "meetings", icalctx_event_name(v, name));
	if (v->rrule == NULL)
		return;
	if (v->nrrule > 1)
		icalctx_warn(c, v->line, "event %s has %d RRULEs; only the first is used",
		    icalctx_event_name(v, name), v->nrrule);
	r = icalproperty_get_rrule(v->rrule);
	text = icalrecurrencetype_as_string_r(&r);
	s->recurrence = icalctx_clean(text, 0);
	icalmemory_free_buffer(text);
	for (size_t i = 0; i < v->nex; i++) {
		icalproperty *p = c->exdates[v->ex0 + i];

		exclude(c, v->cal, &ex, p, icalproperty_get_exdate(p), start, v->line);
	}
	for (size_t k = v->inst_head; k != NOIDX; k = c->ev[k].inst_next)
		if (c->ev[k].cancelled)	/* a cancelled meeting is an exclusion too */
			exclude(c, v->cal, &ex, c->ev[k].recurid,
			    icalproperty_get_recurrenceid(c->ev[k].recurid), start, c->ev[k].line);
	if (ex.nat > 1)
		qsort(ex.at, ex.nat, sizeof(time_t), time_cmp);
	if (ex.ndays > 1)
		qsort(ex.days, ex.ndays, sizeof(int), int_cmp);
	course_count(c, v, start, s->end - start->t, &ex, &s->meetings, &s->end);
	free(ex.at);
	free(ex.days);
}
