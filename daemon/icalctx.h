/*
 * One parse of an iCalendar feed, as the ical* modules share it: ical.c reads the calendar
 * into a struct icalctx, icallayout.c turns its events into sessions and bookings, icaltz.c
 * reads their times and icalrule.c counts their courses. Also how they warn, and how they
 * take text from the feed. The interface to the rest of noshowd is ical.h.
 */
#ifndef NOSHOWD_ICALCTX_H
#define NOSHOWD_ICALCTX_H

#include <stddef.h>

#include <libical/ical.h>

#include "config.h"
#include "feed.h"
#include "strmap.h"
#include "icaltz.h"

/*
 * Some recurrence rules and VTIMEZONE definitions make libical loop for seconds or forever,
 * so all expansion in one feed shares a budget (struct icalctx.budget) of estimated
 * microseconds of libical work, measured with libical 3.0.16: walking one step of a rule, one
 * year of one VTIMEZONE observance rule, and the fixed search an unsatisfiable MONTHLY/YEARLY
 * rule makes (to the year 20000) before libical gives up.
 */
#define COST_BUDGET	2000000
#define COST_DAY	3
#define COST_WEEK	5
#define COST_MONTH	10
#define COST_YEAR	20
#define COST_RESULT	3
#define COST_SEARCH_MONTHLY 300000
#define COST_SEARCH_YEARLY 150000
#define COST_TZ_YEAR	15

/* A VEVENT, read once: the properties the layouts use, and its place in the file. */
struct vevent {
	icalcomponent *comp;
	size_t cal;			/* index of its VCALENDAR */
	int line;			/* 0 = unknown */
	char *id;			/* UID, cleaned; NULL when missing or empty */
	icalproperty *dtstart, *dtend, *duration, *rrule, *recurid, *organizer;
	icalproperty *summary, *location, *description, *url, *created, *dtstamp;
	icalproperty *xcapacity, *xprice, *xsession, *xemail;
	int nrrule, nrdate, nlicerr, cancelled;
	size_t att0, natt;		/* its ATTENDEEs: ctx.atts[att0 .. att0 + natt) */
	size_t ex0, nex;		/* its EXDATEs: ctx.exdates[ex0 .. ex0 + nex) */
	const int *att_lines;		/* line of each ATTENDEE, or NULL if unknown */
	size_t master;			/* an instance (RECURRENCE-ID): its master, or NOIDX */
	size_t inst_head, inst_tail;	/* a master: its instances, in file order */
	size_t inst_next;
};

struct icalctx {
	struct feed *out;
	enum ical_layout layout;
	icalcomponent **cals;
	size_t ncals;
	struct vevent *ev;
	size_t nev;
	icalproperty **atts, **exdates;
	size_t natts, atts_cap, nexdates, exdates_cap;
	struct icaltz tz;		/* the default zone and every TZID met */
	struct strmap uid_map;		/* UID -> first master in ev[] */
	struct strmap session_map;	/* session id -> out->sessions[] */
	struct strmap booking_map;	/* email (+ session) -> out->bookings[] */
	long budget;			/* COST_* units left */
	size_t warnings_dropped;
};

void icalctx_release(struct icalctx *c);

/*
 * A warning in the feed, "line N: " first when line > 0. After the first 200 they are only
 * counted, in warnings_dropped: a broken export can make one per attendee.
 */
void icalctx_warn(struct icalctx *c, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Text from the feed as it may appear inside a warning: no controls, at most ~60 bytes. */
const char *icalctx_shorten(const char *s, char out[80]);

/* Text from the feed cleaned for storage (feed_clean_text()), or NULL when nothing is left. */
char *icalctx_clean(const char *s, int keep_newlines);

/* The cleaned text of a property whatever its value type, or NULL. */
char *icalctx_prop_text(icalproperty *p, int keep_newlines);

/* How a warning names an event: its SUMMARY, else its UID. */
const char *icalctx_event_name(const struct vevent *v, char out[96]);

#endif
