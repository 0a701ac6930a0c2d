/*
 * What a booking source says, as parsed: sessions and bookings. Parsers (ical, regcsv) fill a
 * struct feed from bytes and never touch the store; ingest compares a feed with the store.
 * All strings are UTF-8, NUL-terminated, owned by the feed, and stripped of control
 * characters except where noted; emails are lower-cased and valid.
 */
#ifndef NOSHOWD_FEED_H
#define NOSHOWD_FEED_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

struct feed_session {
	char *id;		/* UID, X-NOSHOWD-SESSION, or derived (see icallayout.c) */
	char *title;		/* SUMMARY; may be NULL */
	char *location;
	char *url;
	char *description;	/* may contain '\n' */
	char *tzid;		/* IANA zone the times were given in, or NULL for UTC/unknown */
	time_t start, end;	/* UTC; a course (RRULE) starts at its first meeting and ends at the
				   end of its last one, or of the first when the rule is unbounded */
	char *recurrence;	/* RRULE text for a course, else NULL */
	int meetings;		/* meetings of a course (1 for a single session, 0 = unbounded) */
	int capacity;		/* -1 = not given by the source */
	int64_t price;		/* cents; -1 = not given */
	int cancelled;		/* STATUS:CANCELLED on the session itself */
};

struct feed_booking {
	char *session_id;	/* refers to a feed_session.id in the same feed */
	char *email;		/* lower-cased, valid */
	char *name;		/* CN / name column; may be NULL */
	char *company;
	char *vat;
	char *language;		/* "nl", "en", ... (two letters, lower case) or NULL */
	time_t booked_at;	/* CREATED / booked_at column; 0 = unknown (first seen) */
	int cancelled;		/* PARTSTAT=DECLINED, STATUS:CANCELLED, cancelled column */
	int line;		/* line in the source where it was found (0 = unknown) */
};

struct feed {
	struct feed_session *sessions;
	size_t nsessions, sessions_cap;
	struct feed_booking *bookings;
	size_t nbookings, bookings_cap;
	/* Problems that skipped one item but not the whole feed ("line 12: attendee
	   'foo' has no valid mailto: address; skipped"). */
	char **warnings;
	size_t nwarnings, warnings_cap;
};

void feed_init(struct feed *f);
void feed_release(struct feed *f);
/* Append a zeroed entry (capacity -1, price -1, meetings 1) and return it. */
struct feed_session *feed_add_session(struct feed *f);
struct feed_booking *feed_add_booking(struct feed *f);
void feed_warn(struct feed *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Clean text from outside for storage: copy s dropping control characters (C0 except '\n'
 * when keep_newlines, DEL, C1) and trimming white space. Input must be valid UTF-8.
 */
char *feed_clean_text(const char *s, int keep_newlines);

#endif
