/*
 * Cancelling a booking (SPEC section 3 rule 6), from a source or `noshowctl cancel`: the
 * fee policy_cancel() decides, the customer's message (free, withdrawal or late, with an
 * iCalendar CANCEL where an invitation went out) and money paid over the fee due back, in
 * the caller's transaction. The caller then gives the freed seat to the waiting list
 * (seats_fill), as ingest does once per session after a whole poll.
 */
#ifndef NOSHOWD_CANCEL_H
#define NOSHOWD_CANCEL_H

#include <stdint.h>
#include <time.h>

#include "config.h"
#include "store.h"

/*
 * Cancel booking `id` as of `at` (when the customer cancelled; at most now). A booking that
 * is not open (released, cancelled, attended, ...) is left alone: returns 0 and sets
 * *done 0. Returns 0 (*done 1), or -1 on a store failure.
 */
int cancel_booking(struct store *s, const struct config *c, int64_t id, time_t at,
    time_t now, const char *cause, int *done);

#endif
