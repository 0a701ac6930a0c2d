/*
 * iCalendar feeds -> struct feed (SPEC section 4), on libical.
 *
 * Three steps. A scan of the raw bytes decides whether the feed can be read at all
 * (BEGIN/END:VCALENDAR, UTF-8, nesting) and notes the line of every VEVENT and ATTENDEE:
 * libical keeps no line numbers, and a trainer needs them to find a bad entry. libical then
 * parses the text. Last, every VEVENT is read once into a struct vevent (icalctx.h), and the
 * layout decides what becomes a session and what a booking (icallayout.c).
 *
 * libical is never handed work without a bound. Some recurrence rules and VTIMEZONE
 * definitions make it loop for seconds or forever (an impossible FREQ=MONTHLY rule searches up
 * to the year 20000, a FREQ=SECONDLY time zone observance never finishes), so rules are
 * checked before they are expanded (icalrule.c, icaltz.c), and all expansion in one feed
 * shares a budget of estimated libical time (COST_* in icalctx.h). A feed that exhausts it
 * still parses; the rest of its courses are reported with meetings = 0 ("not counted") and a
 * warning.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libical/ical.h>

#include "feed.h"
#include "ical.h"
#include "icalctx.h"
#include "icallayout.h"
#include "strmap.h"
#include "icaltz.h"
#include "util.h"

#define NEST_MAX	32	/* BEGIN: depth; libical frees components recursively */

/* The table is icaltz.c's, which maps TZIDs with it. */
const char *
ical_windows_zone(const char *windows_name)
{
	return icaltz_windows_zone(windows_name);
}

/* ---- the raw bytes: can this be read at all, and where is each VEVENT and ATTENDEE ---- */

struct scan {
	int *ev_line;		/* line of each VEVENT directly inside a top-level component */
	size_t *ev_att;		/* index in att_line of its first ATTENDEE */
	size_t nev, ev_cap, ev_att_cap;
	int *att_line;		/* line of each ATTENDEE of those VEVENTs */
	size_t natt, att_cap;
};

static int
line_is(const char *p, size_t n, const char *word)
{
	size_t w = strlen(word);

	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r'))
		n--;
	return n == w && strncasecmp(p, word, w) == 0;
}

static int
line_starts(const char *p, size_t n, const char *prefix)
{
	size_t w = strlen(prefix);

	return n >= w && strncasecmp(p, prefix, w) == 0;
}

static int
blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
			return 0;
	return 1;
}

static int
line_of(const char *d, size_t off)
{
	int line = 1;

	for (const char *p = d; (p = memchr(p, '\n', off - (size_t)(p - d))) != NULL; p++)
		line++;
	return line;
}

/* The first line as it may be shown in an error: printable ASCII only, short. */
static void
show_line(const char *p, size_t n, char out[48])
{
	size_t k = 0;

	while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == ' '))
		n--;
	for (size_t i = 0; i < n && k < 40; i++) {
		unsigned char ch = (unsigned char)p[i];

		out[k++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	if (n > 40)
		out[k++] = '.', out[k++] = '.', out[k++] = '.';
	out[k] = '\0';
}

static int
scan_feed(const char *d, size_t len, struct scan *sc, char *err)
{
	const char *p = d, *end = d + len, *eol, *last = NULL;
	size_t bad, lastn = 0;
	int line = 1, depth = 0, in_event = 0;
	char shown[48];

	eol = memchr(d, '\n', len);
	if (blank(d, len))
		return errf(err, "not an iCalendar file: it is empty");
	if (!line_is(d, eol ? (size_t)(eol - d) : len, "BEGIN:VCALENDAR")) {
		show_line(d, eol ? (size_t)(eol - d) : len, shown);
		return errf(err, "not an iCalendar file: first line is \"%s\"", shown);
	}
	if (!utf8_valid(d, len, &bad))
		return errf(err, "not UTF-8 at line %d (re-export the feed as UTF-8)",
		    line_of(d, bad));
	if ((eol = memchr(d, '\0', len)) != NULL)
		return errf(err, "not a text file: NUL byte at line %d", line_of(d, (size_t)(eol - d)));

	for (; p < end; p = eol + 1, line++) {
		size_t n;

		eol = memchr(p, '\n', (size_t)(end - p));
		if (eol == NULL)
			eol = end;
		n = (size_t)(eol - p);
		if (n > 0 && (*p == ' ' || *p == '\t'))
			continue;	/* a folded continuation */
		if (!blank(p, n))
			last = p, lastn = n;
		if (line_starts(p, n, "BEGIN:")) {
			if (++depth > NEST_MAX)
				return errf(err, "components nested more than %d deep at line %d",
				    NEST_MAX, line);
			if (depth == 2 && line_is(p, n, "BEGIN:VEVENT")) {
				sc->ev_line = xgrow(sc->ev_line, &sc->ev_cap, sc->nev + 1, sizeof(int));
				sc->ev_att = xgrow(sc->ev_att, &sc->ev_att_cap, sc->nev + 1,
				    sizeof(size_t));
				sc->ev_line[sc->nev] = line;
				sc->ev_att[sc->nev++] = sc->natt;
				in_event = 1;
			}
		} else if (line_starts(p, n, "END:")) {
			if (depth == 2)
				in_event = 0;
			if (depth > 0)
				depth--;
		} else if (in_event && depth == 2 && line_starts(p, n, "ATTENDEE") &&
		    n > 8 && (p[8] == ';' || p[8] == ':')) {
			sc->att_line = xgrow(sc->att_line, &sc->att_cap, sc->natt + 1, sizeof(int));
			sc->att_line[sc->natt++] = line;
		}
	}
	if (last == NULL || !line_is(last, lastn, "END:VCALENDAR"))
		return errf(err, "truncated: no END:VCALENDAR at the end");
	return 0;
}

static void
scan_release(struct scan *sc)
{
	free(sc->ev_line);
	free(sc->ev_att);
	free(sc->att_line);
	memset(sc, 0, sizeof(*sc));
}

/* ---- reading the parsed calendar ---- */

/* libical's complaints are warnings; "No value for X property" is an empty line, harmless. */
static void
lic_errors(struct icalctx *c, icalcomponent *comp, int line)
{
	char q[80];

	for (icalproperty *p = icalcomponent_get_first_property(comp, ICAL_XLICERROR_PROPERTY);
	    p != NULL; p = icalcomponent_get_next_property(comp, ICAL_XLICERROR_PROPERTY)) {
		const char *e = icalproperty_get_xlicerror(p);

		if (e != NULL && strncmp(e, "No value for ", 13) != 0)
			icalctx_warn(c, line, "unreadable content ignored (%s)",
			    icalctx_shorten(e, q));
	}
}

static void
event_read(struct icalctx *c, struct vevent *v)
{
	for (icalproperty *p = icalcomponent_get_first_property(v->comp, ICAL_ANY_PROPERTY);
	    p != NULL; p = icalcomponent_get_next_property(v->comp, ICAL_ANY_PROPERTY)) {
		const char *x;

		switch (icalproperty_isa(p)) {
#define FIRST(kind, field) case kind: if (v->field == NULL) v->field = p; break
		FIRST(ICAL_DTSTART_PROPERTY, dtstart);
		FIRST(ICAL_DTEND_PROPERTY, dtend);
		FIRST(ICAL_DURATION_PROPERTY, duration);
		FIRST(ICAL_RECURRENCEID_PROPERTY, recurid);
		FIRST(ICAL_ORGANIZER_PROPERTY, organizer);
		FIRST(ICAL_SUMMARY_PROPERTY, summary);
		FIRST(ICAL_LOCATION_PROPERTY, location);
		FIRST(ICAL_DESCRIPTION_PROPERTY, description);
		FIRST(ICAL_URL_PROPERTY, url);
		FIRST(ICAL_CREATED_PROPERTY, created);
		FIRST(ICAL_DTSTAMP_PROPERTY, dtstamp);
#undef FIRST
		case ICAL_UID_PROPERTY:
			if (v->id == NULL)
				v->id = icalctx_clean(icalproperty_get_uid(p), 0);
			break;
		case ICAL_RRULE_PROPERTY:
			if (v->nrrule++ == 0)
				v->rrule = p;
			break;
		case ICAL_RDATE_PROPERTY:
			v->nrdate++;
			break;
		case ICAL_XLICERROR_PROPERTY:
			v->nlicerr++;
			break;
		case ICAL_STATUS_PROPERTY:
			v->cancelled = icalproperty_get_status(p) == ICAL_STATUS_CANCELLED;
			break;
		case ICAL_ATTENDEE_PROPERTY:
			c->atts = xgrow(c->atts, &c->atts_cap, c->natts + 1, sizeof(*c->atts));
			c->atts[c->natts++] = p;
			v->natt++;
			break;
		case ICAL_EXDATE_PROPERTY:
			c->exdates = xgrow(c->exdates, &c->exdates_cap, c->nexdates + 1,
			    sizeof(*c->exdates));
			c->exdates[c->nexdates++] = p;
			v->nex++;
			break;
		case ICAL_X_PROPERTY:
			if ((x = icalproperty_get_x_name(p)) == NULL)
				break;
			if (strcasecmp(x, "X-NOSHOWD-CAPACITY") == 0 && v->xcapacity == NULL)
				v->xcapacity = p;
			else if (strcasecmp(x, "X-NOSHOWD-PRICE") == 0 && v->xprice == NULL)
				v->xprice = p;
			else if (strcasecmp(x, "X-NOSHOWD-SESSION") == 0 && v->xsession == NULL)
				v->xsession = p;
			else if (strcasecmp(x, "X-NOSHOWD-EMAIL") == 0 && v->xemail == NULL)
				v->xemail = p;
			break;
		default:
			break;
		}
	}
}

/* Every VEVENT of every VCALENDAR, in file order, with its lines; instances tied to masters. */
static void
events_collect(struct icalctx *c, const struct scan *sc)
{
	size_t cap = 0;

	for (size_t k = 0; k < c->ncals; k++) {
		lic_errors(c, c->cals[k], 0);
		for (icalcomponent *e = icalcomponent_get_first_component(c->cals[k],
		    ICAL_ANY_COMPONENT); e != NULL;
		    e = icalcomponent_get_next_component(c->cals[k], ICAL_ANY_COMPONENT)) {
			struct vevent *v;

			if (icalcomponent_isa(e) != ICAL_VEVENT_COMPONENT) {
				lic_errors(c, e, 0);
				continue;
			}
			c->ev = xgrow(c->ev, &cap, c->nev + 1, sizeof(*c->ev));
			v = &c->ev[c->nev++];
			memset(v, 0, sizeof(*v));
			v->comp = e;
			v->cal = k;
			v->att0 = c->natts;
			v->ex0 = c->nexdates;
			v->master = v->inst_head = v->inst_tail = v->inst_next = NOIDX;
			event_read(c, v);
		}
	}
	strmap_reserve(&c->uid_map, c->nev);
	strmap_reserve(&c->session_map, c->nev);
	strmap_reserve(&c->booking_map, c->natts > c->nev ? c->natts : c->nev);
	/* The same for the feed's arrays, which feed_add_*() grow with xgrow() too. */
	c->out->sessions = xgrow(c->out->sessions, &c->out->sessions_cap,
	    c->out->nsessions + c->nev, sizeof(*c->out->sessions));
	c->out->bookings = xgrow(c->out->bookings, &c->out->bookings_cap,
	    c->out->nbookings + (c->natts > c->nev ? c->natts : c->nev), sizeof(*c->out->bookings));
	for (size_t i = 0; i < c->nev; i++) {
		struct vevent *v = &c->ev[i];

		if (c->nev == sc->nev) {
			size_t a0 = sc->ev_att[i], a1 = i + 1 < sc->nev ? sc->ev_att[i + 1] : sc->natt;

			v->line = sc->ev_line[i];
			/* No attendees, no line table (att_line may be NULL). */
			if (a1 - a0 == v->natt && v->natt > 0)
				v->att_lines = sc->att_line + a0;
		}
		if (v->nlicerr > 0)
			lic_errors(c, v->comp, v->line);
		if (v->id != NULL && v->recurid == NULL) {
			int found;
			size_t *m = strmap_upsert(&c->uid_map, v->id, 0, &found);

			if (!found)
				*m = i;
		}
	}
	for (size_t i = 0; i < c->nev; i++) {
		struct vevent *v = &c->ev[i], *m;

		if (v->id == NULL || v->recurid == NULL ||
		    (v->master = strmap_get(&c->uid_map, v->id, 0)) == NOIDX)
			continue;
		m = &c->ev[v->master];
		if (m->inst_tail == NOIDX)
			m->inst_head = i;
		else
			c->ev[m->inst_tail].inst_next = i;
		m->inst_tail = i;
	}
}

/*
 * libical's icalparser_parse_string() needs a NUL-terminated copy of the feed: 15 MB to
 * copy, fault in and unmap again for 100,000 bookings, a tenth of a changed poll. This
 * hands libical the same lines from the bytes in place, as its own string line generator
 * does (up to and with the '\n', cut at the buffer's size); scan_feed has ruled out NULs.
 */
struct lines {
	const char *pos, *end;
};

static char *
lines_next(char *out, size_t size, void *arg)
{
	struct lines *l = arg;
	const char *nl;
	size_t n;

	if (l->pos >= l->end || size == 0)
		return NULL;
	nl = memchr(l->pos, '\n', (size_t)(l->end - l->pos));
	n = nl != NULL ? (size_t)(nl + 1 - l->pos) : (size_t)(l->end - l->pos);
	if (n > size - 1)
		n = size - 1;
	memcpy(out, l->pos, n);
	out[n] = '\0';
	l->pos += n;
	return out;
}

static icalcomponent *
parse_lines(const char *data, size_t len)
{
	struct lines l = { data, data + len };
	icalerrorstate es = icalerror_get_error_state(ICAL_MALFORMEDDATA_ERROR);
	icalparser *p = icalparser_new();
	icalcomponent *root;

	icalparser_set_gen_data(p, &l);
	icalerror_set_error_state(ICAL_MALFORMEDDATA_ERROR, ICAL_ERROR_NONFATAL);
	root = icalparser_parse(p, lines_next);
	icalerror_set_error_state(ICAL_MALFORMEDDATA_ERROR, es);
	icalparser_free(p);
	return root;
}

int
ical_parse(const char *data, size_t len, enum ical_layout layout,
    const char *default_zone, struct feed *out, char err[])
{
	struct scan sc = { 0 };
	struct icalctx c = { 0 };
	icalcomponent *root;
	size_t ncap = 0;

	if (data == NULL)
		return errf(err, "not an iCalendar file: it is empty");
	if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		data += 3, len -= 3;
	if (scan_feed(data, len, &sc, err) < 0) {
		scan_release(&sc);
		return -1;
	}

	icalerror_set_errors_are_fatal(0);
	root = parse_lines(data, len);
	icalerror_clear_errno();
	if (root != NULL && icalcomponent_isa(root) == ICAL_VCALENDAR_COMPONENT) {
		c.cals = xmalloc(sizeof(*c.cals));
		c.cals[c.ncals++] = root;
	} else if (root != NULL && icalcomponent_isa(root) == ICAL_XROOT_COMPONENT) {
		for (icalcomponent *k = icalcomponent_get_first_component(root,
		    ICAL_VCALENDAR_COMPONENT); k != NULL;
		    k = icalcomponent_get_next_component(root, ICAL_VCALENDAR_COMPONENT)) {
			c.cals = xgrow(c.cals, &ncap, c.ncals + 1, sizeof(*c.cals));
			c.cals[c.ncals++] = k;
		}
	}
	if (c.ncals == 0) {
		if (root != NULL)
			icalcomponent_free(root);
		scan_release(&sc);
		free(c.cals);
		return errf(err, "not an iCalendar file: libical found no VCALENDAR in it");
	}

	c.out = out;
	c.layout = layout;
	c.budget = COST_BUDGET;
	if (icaltz_init(&c.tz, default_zone) < 0)
		icalctx_warn(&c, 0, "default time zone '%s' is unknown; floating times read as UTC",
		    default_zone);

	events_collect(&c, &sc);
	if (c.nev == 0)	/* valid, but worth a word: the wrong calendar may be shared */
		icalctx_warn(&c, 0, "the calendar has no events (VEVENT)");
	if (layout == LAYOUT_EVENT_PER_BOOKING)
		icallayout_event_per_booking(&c);
	else
		icallayout_attendees(&c);
	if (c.warnings_dropped > 0)
		feed_warn(out, "%zu more warnings not shown", c.warnings_dropped);

	icalctx_release(&c);
	icalcomponent_free(root);
	icalerror_clear_errno();
	scan_release(&sc);
	return 0;
}
