/*
 * iCalendar feeds -> struct feed (SPEC section 4), on libical.
 *
 * Three steps. A scan of the raw bytes decides whether the feed can be read at all
 * (BEGIN/END:VCALENDAR, UTF-8, nesting) and notes the line of every VEVENT and ATTENDEE:
 * libical keeps no line numbers, and a trainer needs them to find a bad entry. libical then
 * parses the text. Last, every VEVENT is read once into a struct vevent, and the layout
 * decides what becomes a session and what a booking.
 *
 * libical is never handed work without a bound. Some recurrence rules and VTIMEZONE
 * definitions make it loop for seconds or forever (an impossible FREQ=MONTHLY rule searches up
 * to the year 20000, a FREQ=SECONDLY time zone observance never finishes), so rules are
 * checked before they are expanded, and all expansion in one feed shares a budget of
 * estimated libical time (COST_*). A feed that exhausts it still parses; the rest of its
 * courses are reported with meetings = 0 ("not counted") and a warning.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libical/ical.h>

#include "embed.h"
#include "feed.h"
#include "ical.h"
#include "money.h"
#include "util.h"

#define NOIDX		((size_t)-1)
#define MEETINGS_MAX	1000	/* a course's meetings are counted up to here */
#define NEST_MAX	32	/* BEGIN: depth; libical frees components recursively */
#define WARN_MAX	200	/* warnings kept per feed; the rest are counted */
#define CAPACITY_MAX	100000

/*
 * Estimated microseconds of libical work, measured with libical 3.0.16: walking one step of
 * a rule, one year of one VTIMEZONE observance rule, and the fixed search an unsatisfiable
 * MONTHLY/YEARLY rule makes (to the year 20000) before libical gives up.
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
ical_windows_zone(const char *windows_name)
{
	struct winzone key = { windows_name, NULL }, *hit;

	if (windows_name == NULL)
		return NULL;
	pthread_once(&winzones_once, winzones_load);
	hit = bsearch(&key, winzones, nwinzones, sizeof(*winzones), winzone_cmp);
	return hit != NULL ? hit->iana : NULL;
}

/* ---- a string (+ small tag) -> index map; keys are borrowed, not copied ---- */

struct strmap_slot {
	const char *key;	/* NULL: empty */
	size_t hash, tag, val;
};

struct strmap {
	struct strmap_slot *slots;
	size_t cap, n;
};

static size_t
strmap_hash(const char *s, size_t tag)
{
	uint64_t h = 1469598103934665603ULL ^ ((uint64_t)tag * 0x9e3779b97f4a7c15ULL);

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (size_t)(h ^ (h >> 29));
}

static struct strmap_slot *
strmap_slot(const struct strmap *m, const char *key, size_t hash, size_t tag)
{
	size_t i = hash & (m->cap - 1);

	while (m->slots[i].key != NULL && (m->slots[i].hash != hash || m->slots[i].tag != tag ||
	    strcmp(m->slots[i].key, key) != 0))
		i = (i + 1) & (m->cap - 1);
	return &m->slots[i];
}

static size_t
strmap_get(const struct strmap *m, const char *key, size_t tag)
{
	struct strmap_slot *s;

	if (m->cap == 0)
		return NOIDX;
	s = strmap_slot(m, key, strmap_hash(key, tag), tag);
	return s->key != NULL ? s->val : NOIDX;
}

/*
 * The value slot for key: the existing one (*found = 1), or a new one holding NOIDX that the
 * caller fills (the key must then live as long as the map).
 */
static size_t *
strmap_upsert(struct strmap *m, const char *key, size_t tag, int *found)
{
	size_t hash = strmap_hash(key, tag);
	struct strmap_slot *s;

	if (2 * (m->n + 1) > m->cap) {
		struct strmap old = *m;

		m->cap = old.cap ? 2 * old.cap : 64;
		m->slots = xcalloc(m->cap, sizeof(*m->slots));
		for (size_t i = 0; i < old.cap; i++)
			if (old.slots[i].key != NULL)
				*strmap_slot(m, old.slots[i].key, old.slots[i].hash,
				    old.slots[i].tag) = old.slots[i];
		free(old.slots);
	}
	s = strmap_slot(m, key, hash, tag);
	*found = s->key != NULL;
	if (!*found) {
		s->key = key;
		s->hash = hash;
		s->tag = tag;
		s->val = NOIDX;
		m->n++;
	}
	return &s->val;
}

/* Size an empty map for n keys at once: growing a map of 100,000 keys costs rehashing. */
static void
strmap_reserve(struct strmap *m, size_t n)
{
	size_t cap = 64;

	while (cap < 2 * n + 2)
		cap *= 2;
	if (m->n == 0 && cap > m->cap) {
		free(m->slots);
		m->slots = xcalloc(cap, sizeof(*m->slots));
		m->cap = cap;
	}
}

static void
strmap_put(struct strmap *m, const char *key, size_t tag, size_t val)
{
	int found;

	*strmap_upsert(m, key, tag, &found) = val;
}

static void
strmap_free(struct strmap *m)
{
	free(m->slots);
	memset(m, 0, sizeof(*m));
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

/* ---- what one parse works with ---- */

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

struct zone {
	char *tzid;
	size_t cal;
	icaltimezone *zone;
	char *iana;			/* NULL: UTC */
};

struct ctx {
	struct feed *out;
	enum ical_layout layout;
	icalcomponent **cals;
	size_t ncals;
	struct vevent *ev;
	size_t nev;
	icalproperty **atts, **exdates;
	size_t natts, atts_cap, nexdates, exdates_cap;
	icaltimezone *utc, *default_zone;
	char *default_iana;		/* NULL for UTC */
	struct zone *zones;
	size_t nzones, zones_cap;
	struct strmap zone_map;		/* TZID (+ calendar) -> zones[] */
	struct strmap uid_map;		/* UID -> first master in ev[] */
	struct strmap session_map;	/* session id -> out->sessions[] */
	struct strmap booking_map;	/* email (+ session) -> out->bookings[] */
	long budget;			/* COST_* units left */
	size_t warnings_dropped;
};

static void warn(struct ctx *c, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
warn(struct ctx *c, int line, const char *fmt, ...)
{
	struct buf b;
	va_list ap;

	if (c->out->nwarnings >= WARN_MAX) {
		c->warnings_dropped++;
		return;
	}
	buf_init(&b);
	if (line > 0)
		buf_printf(&b, "line %d: ", line);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	feed_warn(c->out, "%s", b.data);
	buf_release(&b);
}

/* Text from the feed as it may appear inside a warning: no controls, at most ~60 bytes. */
static const char *
shorten(const char *s, char out[80])
{
	size_t k = 0;
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	for (; *p && k < 60; p++) {
		if (*p < 0x20 || *p == 0x7f)
			continue;
		if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			p++;
			continue;
		}
		out[k++] = (char)*p;
	}
	while (k > 0 && *p && ((unsigned char)out[k - 1] & 0xc0) == 0x80)
		k--;	/* don't cut a character in half */
	if (k > 0 && *p && ((unsigned char)out[k - 1] & 0xc0) == 0xc0)
		k--;
	if (*p)
		out[k++] = '.', out[k++] = '.', out[k++] = '.';
	out[k] = '\0';
	return out;
}

/*
 * Clean text, or NULL when nothing is left. Most text needs no cleaning, and a feed has a
 * hundred thousand names and addresses, so clean text is copied as it is.
 */
static char *
clean_or_null(const char *s, int keep_newlines)
{
	const unsigned char *p = (const unsigned char *)s;
	char *t;

	if (s == NULL)
		return NULL;
	if (*p > ' ') {
		for (; *p >= ' ' && *p != 0x7f && !(*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f);
		    p++)
			;
		if (*p == '\0' && p[-1] != ' ')
			return xstrdup(s);
	}
	t = feed_clean_text(s, keep_newlines);
	if (*t == '\0') {
		free(t);
		return NULL;
	}
	return t;
}

/* The text of a property whatever its value type (TEXT, URI, X, or something else). */
static char *
prop_text(icalproperty *p, int keep_newlines)
{
	icalvalue *v = p ? icalproperty_get_value(p) : NULL;
	char *tmp = NULL, *r;
	const char *s;

	if (v == NULL)
		return NULL;
	switch (icalvalue_isa(v)) {
	case ICAL_TEXT_VALUE:
		s = icalvalue_get_text(v);
		break;
	case ICAL_URI_VALUE:
		s = icalvalue_get_uri(v);
		break;
	case ICAL_X_VALUE:
		s = icalvalue_get_x(v);
		break;
	default:
		s = tmp = icalvalue_as_ical_string_r(v);
		break;
	}
	r = clean_or_null(s, keep_newlines);
	if (tmp != NULL)
		icalmemory_free_buffer(tmp);
	return r;
}

/* How a warning names an event: its SUMMARY, else its UID. */
static const char *
event_name(const struct vevent *v, char out[96])
{
	char *s = prop_text(v->summary, 0);
	char tmp[80];

	if (s != NULL)
		snprintf(out, 96, "'%s'", shorten(s, tmp));
	else if (v->id != NULL)
		snprintf(out, 96, "UID '%s'", shorten(v->id, tmp));
	else
		snprintf(out, 96, "(no SUMMARY or UID)");
	free(s);
	return out;
}

/* "mailto:Jan@Example.com" -> "jan@example.com"; NULL if that is not a usable address. */
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

/* ---- time zones and times ---- */

static int
by_count(const short *a, int size)
{
	int n = 0;

	while (n < size && a[n] != ICAL_RECURRENCE_ARRAY_MAX)
		n++;
	return n;
}

/*
 * libical expands a VTIMEZONE observance by observance, from each one's DTSTART year on,
 * with its general recurrence code: a rule more frequent than yearly (or one matching many
 * days a year) costs it minutes and memory. Real zone definitions say "the last Sunday of
 * October" and the like, so anything else is not used; the cost of the rest is charged.
 */
static int
vtimezone_usable(struct ctx *c, icalcomponent *vtz, const char **why)
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
			nmonth = by_count(r.by_month, ICAL_BY_MONTH_SIZE);
			nday = by_count(r.by_day, ICAL_BY_DAY_SIZE);
			nmday = by_count(r.by_month_day, ICAL_BY_MONTHDAY_SIZE);
			if (r.freq != ICAL_YEARLY_RECURRENCE || r.rscale != NULL ||
			    nmonth > 1 || nday > 1 || nmday > 7 || ((nday || nmday) && !nmonth) ||
			    by_count(r.by_hour, ICAL_BY_HOUR_SIZE) > 1 ||
			    by_count(r.by_minute, ICAL_BY_MINUTE_SIZE) > 1 ||
			    by_count(r.by_second, ICAL_BY_SECOND_SIZE) > 1 ||
			    by_count(r.by_year_day, ICAL_BY_YEARDAY_SIZE) > 0 ||
			    by_count(r.by_week_no, ICAL_BY_WEEKNO_SIZE) > 0 ||
			    by_count(r.by_set_pos, ICAL_BY_SETPOS_SIZE) > 0)
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

/*
 * The zone a TZID names: the file's own VTIMEZONE when it has one (and it is safe to
 * expand), else an IANA name libical knows (also behind a "/vendor/version/" prefix), else a
 * Windows name through CLDR, else the default zone with a warning. Looked up once per TZID.
 */
static struct zone *
zone_for(struct ctx *c, size_t cal, const char *tzid, int line)
{
	size_t i = strmap_get(&c->zone_map, tzid, cal);
	struct zone *z;
	icaltimezone *vz, *found = NULL;
	const char *iana = NULL, *why = NULL, *w;
	char q[80];

	if (i != NOIDX)
		return &c->zones[i];
	vz = icalcomponent_get_timezone(c->cals[cal], tzid);
	if (vz != NULL && vtimezone_usable(c, icaltimezone_get_component(vz), &why)) {
		const char *l = icaltimezone_get_location(vz);	/* X-LIC-LOCATION */

		found = vz;
		if (builtin_zone(tzid, &iana) == NULL && builtin_zone(l, &iana) == NULL &&
		    (iana = ical_windows_zone(tzid)) != NULL && builtin_zone(iana, &iana) == NULL)
			iana = NULL;
	}
	if (found == NULL)
		found = builtin_zone(tzid, &iana);
	for (const char *s = tzid; found == NULL && tzid[0] == '/' && (s = strchr(s, '/')); )
		found = builtin_zone(++s, &iana);
	if (found == NULL && (w = ical_windows_zone(tzid)) != NULL)
		found = builtin_zone(w, &iana);
	if (vz != NULL && why != NULL)
		warn(c, line, "time zone '%s' in the feed %s; times read as %s", shorten(tzid, q),
		    why, found && iana ? iana : found ? "UTC" : c->default_iana ? c->default_iana :
		    "UTC");
	else if (found == NULL)
		warn(c, line, "unknown time zone '%s'; times read as %s", shorten(tzid, q),
		    c->default_iana ? c->default_iana : "UTC");
	if (found == NULL) {
		found = c->default_zone;
		iana = c->default_iana;
	}
	c->zones = xgrow(c->zones, &c->zones_cap, c->nzones + 1, sizeof(*c->zones));
	z = &c->zones[c->nzones];
	z->tzid = xstrdup(tzid);
	z->cal = cal;
	z->zone = found;
	z->iana = iana ? xstrdup(iana) : NULL;
	strmap_put(&c->zone_map, z->tzid, cal, c->nzones++);
	return z;
}

struct when {
	struct icaltimetype tt;		/* as given, with .zone set to the zone used */
	icaltimezone *zone;
	const char *iana;
	time_t t;			/* UTC; a DATE is its midnight in the zone */
};

static time_t
wall_to_utc(struct icaltimetype tt, icaltimezone *zone)
{
	if (tt.is_date) {
		tt.is_date = 0;
		tt.hour = tt.minute = tt.second = 0;
	}
	return icaltime_as_timet_with_zone(tt, zone);
}

/* A DATE or DATE-TIME of property p (value tt) as UTC: Z, TZID, or floating/DATE in the
   default zone. -1 if there is no usable value. */
static int
when_get(struct ctx *c, size_t cal, icalproperty *p, struct icaltimetype tt, int line,
    struct when *w)
{
	icalparameter *tzp;
	const char *tzid;

	if (p == NULL || icaltime_is_null_time(tt) || !icaltime_is_valid_time(tt) ||
	    tt.year < 1 || tt.year > 9999)
		return -1;
	if (icaltime_is_utc(tt)) {
		w->zone = c->utc;
		w->iana = NULL;
	} else if (!tt.is_date &&
	    (tzp = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER)) != NULL &&
	    (tzid = icalparameter_get_tzid(tzp)) != NULL && *tzid != '\0') {
		struct zone *z = zone_for(c, cal, tzid, line);

		w->zone = z->zone;
		w->iana = z->iana;
	} else {
		w->zone = c->default_zone;
		w->iana = c->default_iana;
	}
	tt.zone = w->zone;
	w->tt = tt;
	w->t = wall_to_utc(tt, w->zone);
	return 0;
}

/* ---- courses: counting the meetings of a recurring VEVENT ---- */

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
exclude(struct ctx *c, size_t cal, struct exclusions *ex, icalproperty *p,
    struct icaltimetype tt, const struct when *start, int line)
{
	struct when w;

	if (tt.is_date && !icaltime_is_null_time(tt)) {
		ex->days = xgrow(ex->days, &ex->days_cap, ex->ndays + 1, sizeof(int));
		ex->days[ex->ndays++] = tt.year * 10000 + tt.month * 100 + tt.day;
		return;
	}
	if (when_get(c, cal, p, tt, line, &w) < 0)
		return;
	if (!icaltime_is_utc(tt) && icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER) == NULL)
		w.t = wall_to_utc(tt, start->zone);	/* floating: as the start's zone */
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
	int nmonth = by_count(r->by_month, ICAL_BY_MONTH_SIZE), longest = 0;

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
	int nmday = by_count(r->by_month_day, ICAL_BY_MONTHDAY_SIZE), longest = longest_month(r);

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
	int nday = by_count(r->by_day, ICAL_BY_DAY_SIZE);
	int nmday = by_count(r->by_month_day, ICAL_BY_MONTHDAY_SIZE);
	int nsetpos = by_count(r->by_set_pos, ICAL_BY_SETPOS_SIZE);
	int nmonth = by_count(r->by_month, ICAL_BY_MONTH_SIZE);
	int longest = longest_month(r), ok = nmday == 0;

	if (by_count(r->by_year_day, ICAL_BY_YEARDAY_SIZE) || by_count(r->by_week_no,
	    ICAL_BY_WEEKNO_SIZE) || (nmday && nday) || (nsetpos && !nday) || longest == 0)
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
course_count(struct ctx *c, const struct vevent *v, const struct when *start, time_t dur,
    const struct exclusions *ex, int *meetings, time_t *end)
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
	else if (by_count(r.by_hour, ICAL_BY_HOUR_SIZE) > 1 ||
	    by_count(r.by_minute, ICAL_BY_MINUTE_SIZE) > 1 ||
	    by_count(r.by_second, ICAL_BY_SECOND_SIZE) > 1)
		why = "has several meetings a day";
	else if (search == 0 && (by_count(r.by_set_pos, ICAL_BY_SETPOS_SIZE) ||
	    by_count(r.by_year_day, ICAL_BY_YEARDAY_SIZE) ||
	    by_count(r.by_week_no, ICAL_BY_WEEKNO_SIZE)))
		why = "uses BYSETPOS, BYYEARDAY or BYWEEKNO in a daily or weekly rule";
	if (why != NULL)
		goto not_counted;
	if (rule_never_matches(&r)) {
		warn(c, v->line, "course %s: its RRULE matches no date; counted as one meeting",
		    event_name(v, name));
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
	horizon_t = wall_to_utc(horizon, start->zone);
	run = r;
	at_horizon = icaltime_is_null_time(r.until) || icaltime_compare(r.until, horizon) > 0;
	if (at_horizon)
		run.until = horizon;
	until_t = at_horizon ? horizon_t : wall_to_utc(r.until, icaltime_is_utc(r.until) ?
	    c->utc : start->zone);
	it = icalrecur_iterator_new(run, start->tt);
	icalerror_clear_errno();
	if (it == NULL) {
		c->budget -= search;
		why = "cannot be expanded";
		goto not_counted;
	}
	stop = until_t;
	while (!icaltime_is_null_time(occ = icalrecur_iterator_next(it))) {
		t = wall_to_utc(occ, start->zone);
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
		warn(c, v->line, "course %s: %s; counted as one meeting", event_name(v, name),
		    raw == 0 ? "its RRULE matches no date" : "every meeting is excluded (EXDATE)");
		*meetings = 1;
		return;
	}
	if (cut && n == MEETINGS_MAX)
		warn(c, v->line, "course %s has more than %d meetings; counted %d",
		    event_name(v, name), MEETINGS_MAX, MEETINGS_MAX);
	else if (at_horizon && !cut && (r.count == 0 || raw < r.count))
		warn(c, v->line, "course %s: meetings counted up to %d only", event_name(v, name),
		    horizon.year);
	*meetings = n;
	*end = last + dur;
	return;

not_counted:
	warn(c, v->line, "course %s: its RRULE %s; meetings not counted", event_name(v, name),
	    why);
}

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
event_times(struct ctx *c, const struct vevent *v, struct when *start, time_t *end)
{
	struct when e;
	char name[96];

	if (v->dtstart == NULL ||
	    when_get(c, v->cal, v->dtstart, icalproperty_get_dtstart(v->dtstart), v->line,
	    start) < 0) {
		warn(c, v->line, "event %s has no usable DTSTART; skipped", event_name(v, name));
		return -1;
	}
	if (v->dtend != NULL &&
	    when_get(c, v->cal, v->dtend, icalproperty_get_dtend(v->dtend), v->line, &e) == 0) {
		*end = e.t;
	} else if (v->duration != NULL) {
		struct icaldurationtype d = icalproperty_get_duration(v->duration);

		if (start->tt.is_date && d.hours == 0 && d.minutes == 0 && d.seconds == 0) {
			struct icaltimetype tt = start->tt;	/* whole days: local midnights */

			icaltime_adjust(&tt, (d.is_neg ? -1 : 1) * (int)(d.days + 7 * d.weeks), 0, 0, 0);
			*end = wall_to_utc(tt, start->zone);
		} else {
			*end = start->t + icaldurationtype_as_int(d);
		}
	} else if (start->tt.is_date) {
		struct icaltimetype tt = start->tt;

		icaltime_adjust(&tt, 1, 0, 0, 0);
		*end = wall_to_utc(tt, start->zone);
	} else {
		*end = start->t + 3600;
	}
	if (*end < start->t) {
		warn(c, v->line, "event %s ends before it starts; taken as one %s",
		    event_name(v, name), start->tt.is_date ? "day" : "hour");
		*end = start->t + (start->tt.is_date ? 86400 : 3600);
	}
	return 0;
}

/*
 * A session from VEVENT vi, starting and ending as event_times() found, under id (which the
 * session takes over). Returns its index in out->sessions.
 */
static size_t
session_add(struct ctx *c, size_t vi, char *id, int with_status, const struct when *start,
    time_t end)
{
	const struct vevent *v = &c->ev[vi];
	struct feed_session *s = feed_add_session(c->out);
	size_t si = c->out->nsessions - 1;
	struct exclusions ex = { 0 };
	char name[96], q[80], *x, *text;
	struct icalrecurrencetype r;

	s->id = id;
	s->title = prop_text(v->summary, 0);
	s->location = prop_text(v->location, 0);
	s->url = prop_text(v->url, 0);
	s->description = prop_text(v->description, 1);
	s->tzid = start->iana ? xstrdup(start->iana) : NULL;
	s->start = start->t;
	s->end = end;
	s->cancelled = with_status && v->cancelled;
	if ((x = prop_text(v->xcapacity, 0)) != NULL && parse_capacity(x, &s->capacity) < 0)
		warn(c, v->line, "event %s: X-NOSHOWD-CAPACITY '%s' is not a whole number "
		    "from 1 to %d; ignored", event_name(v, name), shorten(x, q), CAPACITY_MAX);
	free(x);
	if ((x = prop_text(v->xprice, 0)) != NULL && money_parse(x, &s->price) < 0) {
		s->price = -1;
		warn(c, v->line, "event %s: X-NOSHOWD-PRICE '%s' is not an amount like 295.00; "
		    "ignored", event_name(v, name), shorten(x, q));
	}
	free(x);
	strmap_put(&c->session_map, s->id, 0, si);

	if (v->nrdate > 0)
		warn(c, v->line, "event %s: extra dates (RDATE) are not counted as meetings",
		    event_name(v, name));
	if (v->rrule == NULL)
		return si;
	if (v->nrrule > 1)
		warn(c, v->line, "event %s has %d RRULEs; only the first is used",
		    event_name(v, name), v->nrrule);
	r = icalproperty_get_rrule(v->rrule);
	text = icalrecurrencetype_as_string_r(&r);
	s->recurrence = clean_or_null(text, 0);
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
	course_count(c, v, start, end - start->t, &ex, &s->meetings, &s->end);
	free(ex.at);
	free(ex.days);
	return si;
}

/* ---- bookings ---- */

/*
 * Add one booking, or merge it into the one this address already has in the session: one
 * seat per person, and a seat that any entry holds (not cancelled) wins over a cancelled one.
 * A repeat is worth a warning when it comes from the same VEVENT (bookings from index first
 * on), or, with first = NOIDX (event-per-booking), when both entries hold a seat.
 */
static void
booking_add(struct ctx *c, size_t si, char *email, char *name, char *lang, time_t booked_at,
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
		warn(c, line, "%s is booked twice in '%s'; counted once", shorten(email, q),
		    shorten(c->out->sessions[si].title ? c->out->sessions[si].title :
		    c->out->sessions[si].id, n));
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
attendees_add(struct ctx *c, size_t vi, size_t si)
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
			warn(c, attendee_line(v, j), "attendee '%s' has no valid mailto: address; "
			    "skipped", shorten(addr, q));
			continue;
		}
		if (organizer != NULL && strcmp(email, organizer) == 0) {
			free(email);
			continue;
		}
		booking_add(c, si, email, clean_or_null(w.cn, 0), language_code(w.language), 0,
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
booking_from_event(struct ctx *c, size_t vi)
{
	const struct vevent *v = &c->ev[vi];
	icalproperty *att = NULL;
	struct who w = { 0 };
	char *organizer = v->organizer ? mailto_address(icalproperty_get_organizer(v->organizer)) :
	    NULL;
	char *email = NULL, *sid, name[96], q[80];
	int line = v->line;
	size_t si;
	struct when wt;
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
		char *x = prop_text(v->xemail, 0);

		if (x != NULL && (email = mailto_address(x)) == NULL) {
			char *m = xasprintf("mailto:%s", x);

			email = mailto_address(m);
			free(m);
		}
		if (email == NULL) {
			if (x != NULL || att != NULL)
				warn(c, line, "booking %s: '%s' is not a valid address; skipped",
				    event_name(v, name),
				    shorten(x ? x : icalproperty_get_attendee(att), q));
			else
				warn(c, line, "booking %s has no ATTENDEE or X-NOSHOWD-EMAIL; skipped",
				    event_name(v, name));
			free(x);
			return;
		}
		free(x);
		att = NULL;
		memset(&w, 0, sizeof(w));
		line = v->line;
	}

	sid = prop_text(v->xsession, 0);
	si = sid ? strmap_get(&c->session_map, sid, 0) : NOIDX;
	if (si == NOIDX) {
		struct when start;
		time_t end;

		if (event_times(c, v, &start, &end) < 0) {
			free(sid);
			free(email);
			return;
		}
		if (sid == NULL) {
			struct icaltimetype local = icaltime_from_timet_with_zone(start.t, 0,
			    c->default_zone);
			char *summary = prop_text(v->summary, 0), s[41];

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
	if (v->created != NULL &&
	    when_get(c, v->cal, v->created, icalproperty_get_created(v->created), line, &wt) == 0)
		booked_at = wt.t;
	else if (v->dtstamp != NULL &&
	    when_get(c, v->cal, v->dtstamp, icalproperty_get_dtstamp(v->dtstamp), line, &wt) == 0)
		booked_at = wt.t;
	booking_add(c, si, email, clean_or_null(w.cn, 0), language_code(w.language), booked_at,
	    v->cancelled || w.declined, line, NOIDX);
}

/* ---- reading the parsed calendar ---- */

/* libical's complaints are warnings; "No value for X property" is an empty line, harmless. */
static void
lic_errors(struct ctx *c, icalcomponent *comp, int line)
{
	char q[80];

	for (icalproperty *p = icalcomponent_get_first_property(comp, ICAL_XLICERROR_PROPERTY);
	    p != NULL; p = icalcomponent_get_next_property(comp, ICAL_XLICERROR_PROPERTY)) {
		const char *e = icalproperty_get_xlicerror(p);

		if (e != NULL && strncmp(e, "No value for ", 13) != 0)
			warn(c, line, "unreadable content ignored (%s)", shorten(e, q));
	}
}

static void
event_read(struct ctx *c, struct vevent *v)
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
				v->id = clean_or_null(icalproperty_get_uid(p), 0);
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
events_collect(struct ctx *c, const struct scan *sc)
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
			if (a1 - a0 == v->natt)
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
 * Attendees layout. A master VEVENT is a session; its instances (RECURRENCE-ID) add their
 * attendees to it; an instance whose master is not in the feed stands for the series, the
 * first one making the session.
 */
static void
layout_attendees(struct ctx *c)
{
	char name[96], q[80];

	for (size_t i = 0; i < c->nev; i++) {
		struct vevent *v = &c->ev[i];
		size_t si;

		if (v->id == NULL) {
			warn(c, v->line, "event %s has no UID; skipped", event_name(v, name));
			continue;
		}
		if (v->recurid != NULL && v->master != NOIDX)
			continue;	/* taken with its master */
		si = strmap_get(&c->session_map, v->id, 0);
		if (si != NOIDX && v->recurid == NULL)
			warn(c, v->line, "another event with UID '%s'; its attendees are added to "
			    "the first", shorten(v->id, q));
		if (si == NOIDX && v->recurid != NULL && v->cancelled)
			continue;	/* a cancelled meeting of a series we don't have */
		if (si == NOIDX) {
			struct when start;
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

static void
layout_event_per_booking(struct ctx *c)
{
	for (size_t i = 0; i < c->nev; i++)
		if (c->ev[i].recurid == NULL || c->ev[i].master == NOIDX)
			booking_from_event(c, i);
}

static void
ctx_release(struct ctx *c)
{
	for (size_t i = 0; i < c->nev; i++)
		free(c->ev[i].id);
	for (size_t i = 0; i < c->nzones; i++) {
		free(c->zones[i].tzid);
		free(c->zones[i].iana);
	}
	free(c->ev);
	free(c->atts);
	free(c->exdates);
	free(c->zones);
	free(c->cals);
	free(c->default_iana);
	strmap_free(&c->zone_map);
	strmap_free(&c->uid_map);
	strmap_free(&c->session_map);
	strmap_free(&c->booking_map);
}

int
ical_parse(const char *data, size_t len, enum ical_layout layout,
    const char *default_zone, struct feed *out, char err[])
{
	struct scan sc = { 0 };
	struct ctx c = { 0 };
	icalcomponent *root;
	char *text;
	const char *iana = NULL;
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
	text = xstrndup(data, len);
	root = icalparser_parse_string(text);
	free(text);
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
	c.utc = icaltimezone_get_utc_timezone();
	c.default_zone = builtin_zone(default_zone, &iana);
	c.default_iana = c.default_zone && iana ? xstrdup(iana) : NULL;
	if (c.default_zone == NULL) {
		if (default_zone != NULL && *default_zone != '\0')
			warn(&c, 0, "default time zone '%s' is unknown; floating times read as UTC",
			    default_zone);
		c.default_zone = c.utc;
		c.default_iana = NULL;
	}

	events_collect(&c, &sc);
	if (layout == LAYOUT_EVENT_PER_BOOKING)
		layout_event_per_booking(&c);
	else
		layout_attendees(&c);
	if (c.warnings_dropped > 0)
		feed_warn(out, "%zu more warnings not shown", c.warnings_dropped);

	ctx_release(&c);
	icalcomponent_free(root);
	icalerror_clear_errno();
	scan_release(&sc);
	return 0;
}
