/*
 * The two layouts of an iCalendar feed (see icallayout.h): sessions from VEVENTs, bookings
 * from their ATTENDEEs or from whole VEVENTs. A person holds one seat per session however
 * often the feed lists them: a series repeats its attendees in every instance it changes.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libical/ical.h>

#include "feed.h"
#include "icalctx.h"
#include "icallayout.h"
#include "strmap.h"
#include "icalrule.h"
#include "icaltz.h"
#include "money.h"
#include "util.h"

#define CAPACITY_MAX	100000

/* ---- sessions ---- */

static int
parse_capacity(const char *s, int *out)
{
	long n = 0;

	if (s == NULL || *s == '\0')
		return -1;
	for (; *s; s++) {
		if (!isdigit((unsigned char)*s) || (n = n * 10 + (*s - '0')) > CAPACITY_MAX)
			return -1;
	}
	if (n <= 0)
		return -1;
	*out = (int)n;
	return 0;
}

/* The start and end of a VEVENT; -1 (warned) when it has no usable DTSTART. */
static int
event_times(struct icalctx *c, const struct vevent *v, struct icaltz_when *start, time_t *end)
{
	struct icaltz_when e;
	char name[96];

	if (v->dtstart == NULL ||
	    icaltz_when_get(c, v->cal, v->dtstart, icalproperty_get_dtstart(v->dtstart), v->line,
	    start) < 0) {
		icalctx_warn(c, v->line, "event %s has no usable DTSTART; skipped",
		    icalctx_event_name(v, name));
		return -1;
	}
	if (v->dtend != NULL && icaltz_when_get(c, v->cal, v->dtend,
	    icalproperty_get_dtend(v->dtend), v->line, &e) == 0) {
		*end = e.t;
	} else if (v->duration != NULL) {
		struct icaldurationtype d = icalproperty_get_duration(v->duration);

		if (start->tt.is_date && d.hours == 0 && d.minutes == 0 && d.seconds == 0) {
			struct icaltimetype tt = start->tt;	/* whole days: local midnights */

			icaltime_adjust(&tt, (d.is_neg ? -1 : 1) * (int)(d.days + 7 * d.weeks), 0, 0, 0);
			*end = icaltz_wall_to_utc(tt, start->zone);
		} else {
			*end = start->t + icaldurationtype_as_int(d);
		}
	} else if (start->tt.is_date) {
		struct icaltimetype tt = start->tt;

		icaltime_adjust(&tt, 1, 0, 0, 0);
		*end = icaltz_wall_to_utc(tt, start->zone);
	} else {
		*end = start->t + 3600;
	}
	if (*end < start->t) {
		icalctx_warn(c, v->line, "event %s ends before it starts; taken as one %s",
		    icalctx_event_name(v, name), start->tt.is_date ? "day" : "hour");
		*end = start->t + (start->tt.is_date ? 86400 : 3600);
	}
	return 0;
}

/*
 * A session from VEVENT vi, starting and ending as event_times() found, under id (which the
 * session takes over). Returns its index in out->sessions.
 */
static size_t
session_add(struct icalctx *c, size_t vi, char *id, int with_status,
    const struct icaltz_when *start, time_t end)
{
	const struct vevent *v = &c->ev[vi];
	struct feed_session *s = feed_add_session(c->out);
	size_t si = c->out->nsessions - 1;
	char name[96], q[80], *x;

	s->id = id;
	s->title = icalctx_prop_text(v->summary, 0);
	s->location = icalctx_prop_text(v->location, 0);
	s->url = icalctx_prop_text(v->url, 0);
	s->description = icalctx_prop_text(v->description, 1);
	s->tzid = start->iana ? xstrdup(start->iana) : NULL;
	s->start = start->t;
	s->end = end;
	s->cancelled = with_status && v->cancelled;
	if ((x = icalctx_prop_text(v->xcapacity, 0)) != NULL &&
	    parse_capacity(x, &s->capacity) < 0)
		icalctx_warn(c, v->line, "event %s: X-NOSHOWD-CAPACITY '%s' is not a whole number "
		    "from 1 to %d; ignored", icalctx_event_name(v, name), icalctx_shorten(x, q),
		    CAPACITY_MAX);
	free(x);
	if ((x = icalctx_prop_text(v->xprice, 0)) != NULL && money_parse(x, &s->price) < 0) {
		s->price = -1;
		icalctx_warn(c, v->line, "event %s: X-NOSHOWD-PRICE '%s' is not an amount like "
		    "295.00; ignored", icalctx_event_name(v, name), icalctx_shorten(x, q));
	}
	free(x);
	strmap_put(&c->session_map, s->id, 0, si);

	icalrule_course(c, v, start, s);
	return si;
}

/* ---- bookings ---- */

static char *
mailto_address(const char *uri)
{
	char *e;

	if (uri == NULL)
		return NULL;
	uri += strspn(uri, " \t");
	if (strncasecmp(uri, "mailto:", 7) != 0)
		return NULL;
	for (const unsigned char *p = (const unsigned char *)uri; *p; p++)
		if (*p < 0x20 || *p == 0x7f || (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
			return NULL;
	e = str_lower(str_trim(xstrndup(uri + 7, strcspn(uri + 7, "?"))));	/* no ?subject= */
	if (!email_valid(e)) {
		free(e);
		return NULL;
	}
	return e;
}

/*
 * Add one booking, or merge it into the one this address already has in the session: one
 * seat per person, and a seat that any entry holds (not cancelled) wins over a cancelled one.
 * A repeat is worth a warning when it comes from the same VEVENT (bookings from index first
 * on), or, with first = NOIDX (event-per-booking), when both entries hold a seat.
 */
static void
booking_add(struct icalctx *c, size_t si, char *email, char *name, char *lang, time_t booked_at,
    int cancelled, int line, size_t first)
{
	int found;
	size_t *bi = strmap_upsert(&c->booking_map, email, si, &found);
	struct feed_booking *b;
	char q[80], n[80];

	if (!found) {
		b = feed_add_booking(c->out);
		b->session_id = xstrdup(c->out->sessions[si].id);
		b->email = email;
		b->name = name;
		b->language = lang;
		b->booked_at = booked_at;
		b->cancelled = cancelled;
		b->line = line;
		*bi = c->out->nbookings - 1;
		return;
	}
	b = &c->out->bookings[*bi];
	if (first != NOIDX ? *bi >= first : !(b->cancelled || cancelled))
		icalctx_warn(c, line, "%s is booked twice in '%s'; counted once",
		    icalctx_shorten(email, q), icalctx_shorten(c->out->sessions[si].title ?
		    c->out->sessions[si].title : c->out->sessions[si].id, n));
	if (b->cancelled && !cancelled) {
		b->cancelled = 0;
		b->booked_at = booked_at;
		b->line = line;
	} else if (!cancelled && booked_at != 0 && (b->booked_at == 0 || booked_at < b->booked_at)) {
		b->booked_at = booked_at;
	}
	if (b->name == NULL)
		b->name = name, name = NULL;
	if (b->language == NULL)
		b->language = lang, lang = NULL;
	free(email);
	free(name);
	free(lang);
}

/* What an ATTENDEE's parameters say, read in one walk over them. */
struct who {
	const char *cn, *language;
	int declined;
	int not_a_person;	/* a room or equipment, which Outlook lists as attendees */
};

static void
who_read(icalproperty *p, struct who *w)
{
	memset(w, 0, sizeof(*w));
	for (icalparameter *q = icalproperty_get_first_parameter(p, ICAL_ANY_PARAMETER);
	    q != NULL; q = icalproperty_get_next_parameter(p, ICAL_ANY_PARAMETER)) {
		switch (icalparameter_isa(q)) {
		case ICAL_CN_PARAMETER:
			w->cn = icalparameter_get_cn(q);
			break;
		case ICAL_LANGUAGE_PARAMETER:
			w->language = icalparameter_get_language(q);
			break;
		case ICAL_PARTSTAT_PARAMETER:
			w->declined = icalparameter_get_partstat(q) == ICAL_PARTSTAT_DECLINED;
			break;
		case ICAL_CUTYPE_PARAMETER:
			w->not_a_person = icalparameter_get_cutype(q) == ICAL_CUTYPE_ROOM ||
			    icalparameter_get_cutype(q) == ICAL_CUTYPE_RESOURCE;
			break;
		default:
			break;
		}
	}
}

/* "nl-NL" -> "nl": the first two letters, lower case. */
static char *
language_code(const char *l)
{
	char two[3];

	if (l == NULL || !isalpha((unsigned char)l[0]) || !isalpha((unsigned char)l[1]))
		return NULL;
	two[0] = (char)tolower((unsigned char)l[0]);
	two[1] = (char)tolower((unsigned char)l[1]);
	two[2] = '\0';
	return xstrdup(two);
}

static int
attendee_line(const struct vevent *v, size_t j)
{
	return v->att_lines != NULL ? v->att_lines[j] : v->line;
}

/* The attendees layout: every ATTENDEE of VEVENT vi holds a seat in session si. */
static void
attendees_add(struct icalctx *c, size_t vi, size_t si)
{
	const struct vevent *v = &c->ev[vi];
	char *organizer = v->organizer ? mailto_address(icalproperty_get_organizer(v->organizer)) :
	    NULL;
	size_t first = c->out->nbookings;
	char q[80];

	for (size_t j = 0; j < v->natt; j++) {
		icalproperty *p = c->atts[v->att0 + j];
		const char *addr = icalproperty_get_attendee(p);
		struct who w;
		char *email;

		who_read(p, &w);
		if (w.not_a_person)
			continue;
		if ((email = mailto_address(addr)) == NULL) {
			icalctx_warn(c, attendee_line(v, j), "attendee '%s' has no valid mailto: "
			    "address; skipped", icalctx_shorten(addr, q));
			continue;
		}
		if (organizer != NULL && strcmp(email, organizer) == 0) {
			free(email);
			continue;
		}
		booking_add(c, si, email, icalctx_clean(w.cn, 0), language_code(w.language), 0,
		    w.declined, attendee_line(v, j), first);
	}
	free(organizer);
}

/* Lower-case ASCII letters and digits joined by '-', at most 40: a readable id part. */
static void
slug(const char *s, char out[41])
{
	size_t k = 0;

	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p && k < 40; p++) {
		if (isalnum(*p) && *p < 0x80)
			out[k++] = (char)tolower(*p);
		else if (k > 0 && out[k - 1] != '-')
			out[k++] = '-';
	}
	while (k > 0 && out[k - 1] == '-')
		k--;
	out[k] = '\0';
	if (k == 0)
		strcpy(out, "session");
}

/* The event-per-booking layout: VEVENT vi is one person's booking. */
static void
booking_from_event(struct icalctx *c, size_t vi)
{
	const struct vevent *v = &c->ev[vi];
	icalproperty *att = NULL;
	struct who w = { 0 };
	char *organizer = v->organizer ? mailto_address(icalproperty_get_organizer(v->organizer)) :
	    NULL;
	char *email = NULL, *sid, name[96], q[80];
	int line = v->line;
	size_t si;
	struct icaltz_when wt;
	time_t booked_at = 0;

	for (size_t j = 0; j < v->natt && email == NULL; j++) {
		icalproperty *p = c->atts[v->att0 + j];

		who_read(p, &w);
		if (w.not_a_person)
			continue;
		email = mailto_address(icalproperty_get_attendee(p));
		if (email != NULL && organizer != NULL && strcmp(email, organizer) == 0) {
			free(email);
			email = NULL;
			continue;
		}
		att = p;
		line = attendee_line(v, j);
	}
	free(organizer);
	if (email == NULL) {
		char *x = icalctx_prop_text(v->xemail, 0);

		if (x != NULL && (email = mailto_address(x)) == NULL) {
			char *m = xasprintf("mailto:%s", x);

			email = mailto_address(m);
			free(m);
		}
		if (email == NULL) {
			if (x != NULL || att != NULL)
				icalctx_warn(c, line, "booking %s: '%s' is not a valid address; "
				    "skipped", icalctx_event_name(v, name),
				    icalctx_shorten(x ? x : icalproperty_get_attendee(att), q));
			else
				icalctx_warn(c, line, "booking %s has no ATTENDEE or "
				    "X-NOSHOWD-EMAIL; skipped", icalctx_event_name(v, name));
			free(x);
			return;
		}
		free(x);
		att = NULL;
		memset(&w, 0, sizeof(w));
		line = v->line;
	}

	sid = icalctx_prop_text(v->xsession, 0);
	si = sid ? strmap_get(&c->session_map, sid, 0) : NOIDX;
	if (si == NOIDX) {
		struct icaltz_when start;
		time_t end;

		if (event_times(c, v, &start, &end) < 0) {
			free(sid);
			free(email);
			return;
		}
		if (sid == NULL) {
			struct icaltimetype local = icaltime_from_timet_with_zone(start.t, 0,
			    c->tz.default_zone);
			char *summary = icalctx_prop_text(v->summary, 0), s[41];

			slug(summary, s);
			free(summary);
			sid = xasprintf("%s-%04d%02d%02dT%02d%02d", s, local.year, local.month,
			    local.day, local.hour, local.minute);
			si = strmap_get(&c->session_map, sid, 0);
		}
		if (si == NOIDX) {
			si = session_add(c, vi, sid, 0, &start, end);
			sid = NULL;
		}
	}
	free(sid);
	if (v->created != NULL && icaltz_when_get(c, v->cal, v->created,
	    icalproperty_get_created(v->created), line, &wt) == 0)
		booked_at = wt.t;
	else if (v->dtstamp != NULL && icaltz_when_get(c, v->cal, v->dtstamp,
	    icalproperty_get_dtstamp(v->dtstamp), line, &wt) == 0)
		booked_at = wt.t;
	booking_add(c, si, email, icalctx_clean(w.cn, 0), language_code(w.language), booked_at,
	    v->cancelled || w.declined, line, NOIDX);
}

/* ---- the layouts ---- */

/*
 * Attendees layout. A master VEVENT is a session; its instances (RECURRENCE-ID) add their
 * attendees to it; an instance whose master is not in the feed stands for the series, the
 * first one making the session.
 */
void
icallayout_attendees(struct icalctx *c)
{
	char name[96], q[80];

	for (size_t i = 0; i < c->nev; i++) {
		struct vevent *v = &c->ev[i];
		size_t si;

		if (v->id == NULL) {
			icalctx_warn(c, v->line, "event %s has no UID; skipped",
			    icalctx_event_name(v, name));
			continue;
		}
		if (v->recurid != NULL && v->master != NOIDX)
			continue;	/* taken with its master */
		si = strmap_get(&c->session_map, v->id, 0);
		if (si != NOIDX && v->recurid == NULL)
			icalctx_warn(c, v->line, "another event with UID '%s'; its attendees are "
			    "added to the first", icalctx_shorten(v->id, q));
		if (si == NOIDX && v->recurid != NULL && v->cancelled)
			continue;	/* a cancelled meeting of a series we don't have */
		if (si == NOIDX) {
			struct icaltz_when start;
			time_t end;

			if (event_times(c, v, &start, &end) < 0)
				continue;
			si = session_add(c, i, xstrdup(v->id), 1, &start, end);
		}
		attendees_add(c, i, si);
		if (v->recurid != NULL)
			continue;
		for (size_t k = v->inst_head; k != NOIDX; k = c->ev[k].inst_next)
			if (!c->ev[k].cancelled)
				attendees_add(c, k, si);
	}
}

void
icallayout_event_per_booking(struct icalctx *c)
{
	for (size_t i = 0; i < c->nev; i++)
		if (c->ev[i].recurid == NULL || c->ev[i].master == NOIDX)
			booking_from_event(c, i);
}

