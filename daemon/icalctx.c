/*
 * One parse of an iCalendar feed: releasing it, its warnings, and the text it takes from the
 * feed (see icalctx.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <libical/ical.h>

#include "feed.h"
#include "icalctx.h"
#include "strmap.h"
#include "icaltz.h"
#include "util.h"

#define WARN_MAX	200	/* warnings kept per feed; the rest are counted */

void
icalctx_release(struct icalctx *c)
{
	for (size_t i = 0; i < c->nev; i++)
		free(c->ev[i].id);
	free(c->ev);
	free(c->atts);
	free(c->exdates);
	free(c->cals);
	icaltz_release(&c->tz);
	strmap_release(&c->uid_map);
	strmap_release(&c->session_map);
	strmap_release(&c->booking_map);
}

void
icalctx_warn(struct icalctx *c, int line, const char *fmt, ...)
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

const char *
icalctx_shorten(const char *s, char out[80])
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
 * Most text needs no cleaning, and a feed has a hundred thousand names and addresses, so
 * clean text is copied as it is.
 */
char *
icalctx_clean(const char *s, int keep_newlines)
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

/* Whatever its value type: TEXT, URI, X, or something else (as its iCalendar text). */
char *
icalctx_prop_text(icalproperty *p, int keep_newlines)
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
	r = icalctx_clean(s, keep_newlines);
	if (tmp != NULL)
		icalmemory_free_buffer(tmp);
	return r;
}

const char *
icalctx_event_name(const struct vevent *v, char out[96])
{
	char *s = icalctx_prop_text(v->summary, 0);
	char tmp[80];

	if (s != NULL)
		snprintf(out, 96, "'%s'", icalctx_shorten(s, tmp));
	else if (v->id != NULL)
		snprintf(out, 96, "UID '%s'", icalctx_shorten(v->id, tmp));
	else
		snprintf(out, 96, "(no SUMMARY or UID)");
	free(s);
	return out;
}

