/*
 * The policy's clock. Every booking carries `due_at`, the next moment one of its rules
 * (payment reminder, release, a balance falling due as a debt) must be looked at: 0 when
 * something changed and it must be looked at now, NULL when nothing will fall due. A tick
 * reads only the bookings whose moment has come, through an index, asks policy_due() what
 * to do, applies the answer with its event and message, and stores the next moment. So a
 * tick costs the same over a thousand bookings as over a million, and the daemon knows when
 * to wake without scanning.
 */
#ifndef NOSHOWD_DUTIES_H
#define NOSHOWD_DUTIES_H

#include <stdint.h>
#include <time.h>

#include "config.h"
#include "store.h"

/*
 * Apply everything due at `now`, oldest first, inside the caller's transaction: only for
 * booking `only` when it is not 0. Returns the number of actions taken, or -1 (store
 * failure).
 */
int duties_run(struct store *s, const struct config *c, time_t now, int64_t only);

/* The earliest moment anything falls due (0 = at once), or -1 when nothing ever will. */
time_t duties_next(struct store *s);

/*
 * The same moment (not before `now`), with what happens then in `what`, such as "release
 * NS-7KQ2-4D" or "dunning step 2 NS-7KQ2-4D", for the service's STATUS line; -1 when
 * nothing ever falls due (or the store failed).
 */
time_t duties_next_named(struct store *s, const struct config *c, time_t now, char *what,
    size_t size);

/*
 * Release a pending booking's seat now (rule 5, or `noshowctl release`): state released,
 * nothing owed, a release message with an iCalendar CANCEL, and the first waitlisted
 * booking promoted. 0, or -1 (store failure).
 */
int duties_release(struct store *s, const struct config *c, int64_t id, time_t now,
    const char *cause, const char *why);

#endif
