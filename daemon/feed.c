#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "feed.h"
#include "util.h"

void
feed_init(struct feed *f)
{
	memset(f, 0, sizeof(*f));
}

void
feed_release(struct feed *f)
{
	for (size_t i = 0; i < f->nsessions; i++) {
		struct feed_session *s = &f->sessions[i];

		free(s->id);
		free(s->title);
		free(s->location);
		free(s->url);
		free(s->description);
		free(s->tzid);
		free(s->recurrence);
	}
	for (size_t i = 0; i < f->nbookings; i++) {
		struct feed_booking *b = &f->bookings[i];

		free(b->session_id);
		free(b->email);
		free(b->name);
		free(b->company);
		free(b->vat);
		free(b->language);
	}
	for (size_t i = 0; i < f->nwarnings; i++)
		free(f->warnings[i]);
	free(f->sessions);
	free(f->bookings);
	free(f->warnings);
	feed_init(f);
}

struct feed_session *
feed_add_session(struct feed *f)
{
	struct feed_session *s;

	f->sessions = xgrow(f->sessions, &f->sessions_cap, f->nsessions + 1, sizeof(*s));
	s = &f->sessions[f->nsessions++];
	memset(s, 0, sizeof(*s));
	s->capacity = -1;
	s->price = -1;
	s->meetings = 1;
	return s;
}

struct feed_booking *
feed_add_booking(struct feed *f)
{
	struct feed_booking *b;

	f->bookings = xgrow(f->bookings, &f->bookings_cap, f->nbookings + 1, sizeof(*b));
	b = &f->bookings[f->nbookings++];
	memset(b, 0, sizeof(*b));
	return b;
}

void
feed_warn(struct feed *f, const char *fmt, ...)
{
	struct buf b;
	va_list ap;

	buf_init(&b);
	va_start(ap, fmt);
	buf_vprintf(&b, fmt, ap);
	va_end(ap);
	f->warnings = xgrow(f->warnings, &f->warnings_cap, f->nwarnings + 1, sizeof(char *));
	f->warnings[f->nwarnings++] = buf_detach(&b);
}

/*
 * Control characters are what would let a name break a mail header or a terminal line, so
 * they go here, once, at the edge. C1 controls (U+0080-U+009F) arrive as two-byte UTF-8
 * sequences starting 0xC2.
 */
char *
feed_clean_text(const char *s, int keep_newlines)
{
	struct buf b;
	const unsigned char *p = (const unsigned char *)s;

	buf_init(&b);
	for (; *p; p++) {
		if (*p == '\n' && keep_newlines)
			buf_addch(&b, '\n');
		else if (*p == '\t' || *p == '\r' || *p == '\n')
			buf_addch(&b, ' ');
		else if (*p < 0x20 || *p == 0x7f)
			continue;
		else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			p++;
		else
			buf_addch(&b, (char)*p);
	}
	return str_trim(buf_detach(&b));
}
