/*
 * Hash maps from a string plus a small tag (a calendar, a session) to an index into an
 * array: zones by TZID, events by UID, sessions by id and bookings by address, looked up
 * once per item in feeds of 100,000 bookings (the iCalendar parser, ingest). Keys are
 * borrowed, not copied.
 */
#ifndef NOSHOWD_STRMAP_H
#define NOSHOWD_STRMAP_H

#include <stddef.h>

#define NOIDX		((size_t)-1)	/* no such index: not in a map, no master event */

struct strmap_slot {
	const char *key;	/* NULL: empty */
	size_t hash, tag, val;
};

struct strmap {
	struct strmap_slot *slots;
	size_t cap, n;
};

/* The value for key and tag, or NOIDX. */
size_t strmap_get(const struct strmap *m, const char *key, size_t tag);
/*
 * The value slot for key: the existing one (*found = 1), or a new one holding NOIDX that the
 * caller fills (the key must then live as long as the map).
 */
size_t *strmap_upsert(struct strmap *m, const char *key, size_t tag, int *found);
void strmap_put(struct strmap *m, const char *key, size_t tag, size_t val);
/* Size an empty map for n keys at once: growing a map of 100,000 keys costs rehashing. */
void strmap_reserve(struct strmap *m, size_t n);
void strmap_release(struct strmap *m);

#endif
