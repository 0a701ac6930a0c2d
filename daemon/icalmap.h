/*
 * The hash maps of one iCalendar parse: a string plus a small tag (a calendar, a session)
 * to an index into one of the parse's arrays. Zones by TZID, events by UID, sessions by id
 * and bookings by address are looked up once per property in feeds of 100,000 attendees.
 * Keys are borrowed, not copied.
 */
#ifndef NOSHOWD_ICALMAP_H
#define NOSHOWD_ICALMAP_H

#include <stddef.h>

#define NOIDX		((size_t)-1)	/* no such index: not in a map, no master event */

struct icalmap_slot {
	const char *key;	/* NULL: empty */
	size_t hash, tag, val;
};

struct icalmap {
	struct icalmap_slot *slots;
	size_t cap, n;
};

/* The value for key and tag, or NOIDX. */
size_t icalmap_get(const struct icalmap *m, const char *key, size_t tag);
/*
 * The value slot for key: the existing one (*found = 1), or a new one holding NOIDX that the
 * caller fills (the key must then live as long as the map).
 */
size_t *icalmap_upsert(struct icalmap *m, const char *key, size_t tag, int *found);
void icalmap_put(struct icalmap *m, const char *key, size_t tag, size_t val);
/* Size an empty map for n keys at once: growing a map of 100,000 keys costs rehashing. */
void icalmap_reserve(struct icalmap *m, size_t n);
void icalmap_release(struct icalmap *m);

#endif
