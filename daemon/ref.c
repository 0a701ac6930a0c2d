#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>

#include "log.h"
#include "ref.h"

static const char ref_alphabet[] = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";	/* 31, prime */
#define REF_BASE 31
#define REF_CHARS 6

static int
ref_value(int c)
{
	const char *p;

	c = toupper(c);
	if (c == '\0' || (p = strchr(ref_alphabet, c)) == NULL)
		return -1;
	return (int)(p - ref_alphabet);
}

/*
 * The weighted sum of a valid reference is REF_TARGET (mod 31). Any constant catches the same
 * typos; 23 is the one that makes SPEC's example reference, NS-7KQ2-4D, a valid one.
 */
#define REF_TARGET 23

static int
ref_check_value(const int v[REF_CHARS - 1])
{
	int sum = 0;

	for (int i = 0; i < REF_CHARS - 1; i++)
		sum += (i + 1) * v[i];
	/* Solve sum + 6 * c = TARGET (mod 31); 6 * 26 = 156 = 1 (mod 31): 26 is 6's inverse. */
	return ((REF_TARGET - sum % REF_BASE + REF_BASE) % REF_BASE) * 26 % REF_BASE;
}

static void
ref_compose(const int v[REF_CHARS], char out[REF_LEN + 1])
{
	snprintf(out, REF_LEN + 1, "NS-%c%c%c%c-%c%c", ref_alphabet[v[0]], ref_alphabet[v[1]],
	    ref_alphabet[v[2]], ref_alphabet[v[3]], ref_alphabet[v[4]], ref_alphabet[v[5]]);
}

void
ref_make(uint32_t random, char out[REF_LEN + 1])
{
	int v[REF_CHARS];

	for (int i = 0; i < REF_CHARS - 1; i++) {
		v[i] = (int)(random % REF_BASE);
		random /= REF_BASE;
	}
	v[REF_CHARS - 1] = ref_check_value(v);
	ref_compose(v, out);
}

void
ref_random(char out[REF_LEN + 1])
{
	uint32_t r;

	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		fatal("getrandom");
	ref_make(r, out);
}

/*
 * Read "NS", then six reference characters, allowing spaces and dashes anywhere between them.
 * Returns the number of input bytes used, or 0 if the text there is not reference-shaped.
 */
static size_t
ref_scan(const char *s, int v[REF_CHARS])
{
	const char *p = s;
	int n = 0;

	if (toupper((unsigned char)p[0]) != 'N' || toupper((unsigned char)p[1]) != 'S')
		return 0;
	p += 2;
	while (n < REF_CHARS) {
		if (*p == ' ' || *p == '-') {
			p++;
			continue;
		}
		if ((v[n] = ref_value((unsigned char)*p)) < 0)
			return 0;
		n++, p++;
	}
	/* A reference followed directly by more letters or digits is part of another word. */
	if (isalnum((unsigned char)*p))
		return 0;
	return (size_t)(p - s);
}

static enum ref_status
ref_status_of(const int v[REF_CHARS], char out[REF_LEN + 1])
{
	ref_compose(v, out);
	return ref_check_value(v) == v[REF_CHARS - 1] ? REF_OK : REF_BADCHECK;
}

enum ref_status
ref_parse(const char *s, char out[REF_LEN + 1])
{
	int v[REF_CHARS];
	size_t n;

	while (*s == ' ')
		s++;
	if ((n = ref_scan(s, v)) == 0)
		return REF_INVALID;
	for (s += n; *s == ' '; s++)
		;
	if (*s != '\0')
		return REF_INVALID;
	return ref_status_of(v, out);
}

enum ref_status
ref_find(const char *text, char out[REF_LEN + 1])
{
	enum ref_status found = REF_INVALID;
	char cand[REF_LEN + 1];
	int v[REF_CHARS];

	for (const char *p = text; *p; p++) {
		if (p > text && isalnum((unsigned char)p[-1]))
			continue;
		if (ref_scan(p, v) == 0)
			continue;
		if (ref_status_of(v, cand) == REF_OK) {
			memcpy(out, cand, REF_LEN + 1);
			return REF_OK;
		}
		if (found == REF_INVALID) {
			memcpy(out, cand, REF_LEN + 1);
			found = REF_BADCHECK;
		}
	}
	return found;
}
