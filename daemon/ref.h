/*
 * Booking references, e.g. "NS-7KQ2-4D": "NS-", four payload characters, "-", one payload
 * character and one check character. The alphabet has 31 characters (digits 2-9 and letters
 * without I, L and O), and the check character makes sum((i+1) * value(c_i)) = 23 mod 31 over
 * the six characters. Because 31 is prime and the weights differ, every single wrong
 * character and every swap of two characters is detected: a mistyped reference in a bank
 * transfer is never matched to another booking.
 */
#ifndef NOSHOWD_REF_H
#define NOSHOWD_REF_H

#include <stdint.h>

#define REF_LEN 10	/* "NS-XXXX-XC" */

/* Make a reference from 5 random payload values (taken from `random`). */
void ref_make(uint32_t random, char out[REF_LEN + 1]);
/* Fill out with a fresh random reference. */
void ref_random(char out[REF_LEN + 1]);

enum ref_status {
	REF_OK,		/* well-formed and the check character matches */
	REF_BADCHECK,	/* looks like a reference, but the check character is wrong */
	REF_INVALID,	/* not a reference */
};

/*
 * Normalise text that might be a reference ("ns 7kq2 4d", "NS7KQ24D", "ns-7kq2-4d") into the
 * canonical form in out, and say whether it checks.
 */
enum ref_status ref_parse(const char *s, char out[REF_LEN + 1]);

/*
 * Find the first reference-like token in free text (a bank description); returns its status
 * and the canonical form in out, or REF_INVALID if there is none.
 */
enum ref_status ref_find(const char *text, char out[REF_LEN + 1]);

#endif
