/*
 * The iCalendar mapping: a feed body -> struct feed (ical_parse), in both layouts. Checks
 * what feed.h promises of a parsed feed: every booking names a session of the same feed,
 * emails are lower case, text is free of control characters (descriptions may keep line
 * breaks), and the same bytes give the same feed.
 */
#include <ctype.h>

#include "fuzz.h"

#include "ical.h"
#include "util.h"

static void
check_feed(const struct feed *f)
{
	for (size_t i = 0; i < f->nsessions; i++) {
		const struct feed_session *s = &f->sessions[i];

		FUZZ_ASSERT(s->id != NULL && *s->id != '\0');
		FUZZ_ASSERT(fuzz_no_controls(s->id, 0, 0));
		FUZZ_ASSERT(fuzz_no_controls(s->title, 0, 0));
		FUZZ_ASSERT(fuzz_no_controls(s->location, 0, 0));
		FUZZ_ASSERT(fuzz_no_controls(s->description, 0, 1));
		FUZZ_ASSERT(s->meetings >= 0 && s->meetings <= 1000);
	}
	for (size_t i = 0; i < f->nbookings; i++) {
		const struct feed_booking *b = &f->bookings[i];
		size_t j;

		FUZZ_ASSERT(b->email != NULL && b->session_id != NULL);
		for (const char *p = b->email; *p != '\0'; p++)
			FUZZ_ASSERT(!isupper((unsigned char)*p));
		FUZZ_ASSERT(fuzz_no_controls(b->email, 0, 0));
		FUZZ_ASSERT(fuzz_no_controls(b->name, 0, 0));
		for (j = 0; j < f->nsessions; j++)
			if (strcmp(f->sessions[j].id, b->session_id) == 0)
				break;
		FUZZ_ASSERT(j < f->nsessions);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum ical_layout layouts[] = { LAYOUT_ATTENDEES, LAYOUT_EVENT_PER_BOOKING };
	char err[ERR_MAX];

	for (size_t l = 0; l < 2; l++) {
		struct feed f, g;
		int rc, rc2;

		feed_init(&f);
		rc = ical_parse((const char *)data, size, layouts[l], "Europe/Amsterdam", &f, err);
		if (rc == 0)
			check_feed(&f);
		/* Determinism on small inputs: large ones take a second each under ASan. */
		if (size <= 16384) {
			feed_init(&g);
			rc2 = ical_parse((const char *)data, size, layouts[l], "Europe/Amsterdam",
			    &g, err);
			FUZZ_ASSERT(rc == rc2);
			FUZZ_ASSERT(f.nsessions == g.nsessions && f.nbookings == g.nbookings);
			for (size_t i = 0; i < f.nsessions; i++)
				FUZZ_ASSERT(strcmp(f.sessions[i].id, g.sessions[i].id) == 0 &&
				    f.sessions[i].start == g.sessions[i].start);
			feed_release(&g);
		}
		feed_release(&f);
	}
	return 0;
}
