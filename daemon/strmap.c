/*
 * String (+ tag) -> index maps for the ical* modules: open addressing with linear probing,
 * FNV-1a over the key mixed with the tag, at most half full.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"
#include "util.h"

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

size_t
strmap_get(const struct strmap *m, const char *key, size_t tag)
{
	struct strmap_slot *s;

	if (m->cap == 0)
		return NOIDX;
	s = strmap_slot(m, key, strmap_hash(key, tag), tag);
	return s->key != NULL ? s->val : NOIDX;
}

size_t *
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

void
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

void
strmap_put(struct strmap *m, const char *key, size_t tag, size_t val)
{
	int found;

	*strmap_upsert(m, key, tag, &found) = val;
}

void
strmap_release(struct strmap *m)
{
	free(m->slots);
	memset(m, 0, sizeof(*m));
}
