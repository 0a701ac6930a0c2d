/*
 * The trainer's daily digest (SPEC section 3 rule 12): once a day at digest_at, one
 * message with today's and tomorrow's sessions and their seats, the unpaid seats that will
 * be released within a day, what noshowd did since the last digest, and anything failing.
 * Also when nothing happened: "all quiet" is information. After downtime one digest goes,
 * for the latest moment missed, never a pile.
 */
#ifndef NOSHOWD_DIGEST_H
#define NOSHOWD_DIGEST_H

#include <time.h>

#include "config.h"
#include "store.h"

/* The latest digest moment at or before now (digest_at local time today or yesterday). */
time_t digest_moment(const struct config *c, time_t now);
/* The next digest moment after now. */
time_t digest_next(const struct config *c, time_t now);

/* Queue the digest if its moment has passed since the last one, in the caller's
   transaction. 1 when one was queued, 0 when not due, -1 on a store failure. */
int digest_run(struct store *s, const struct config *c, time_t now);

#endif
