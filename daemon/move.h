/*
 * The free move (SPEC section 3 rules 6 and 10): with rebook_once, a registration may be
 * moved once, free of charge, to a later session, instead of being cancelled (or after a
 * late cancellation, instead of its fee). The credit belongs to the booking: the new
 * booking is the same customer's, what was paid goes with it, and the fee that is not
 * charged is recorded as goodwill and stated to the customer. In the caller's transaction.
 */
#ifndef NOSHOWD_MOVE_H
#define NOSHOWD_MOVE_H

#include <stdint.h>
#include <time.h>

#include "config.h"
#include "ref.h"
#include "store.h"

/*
 * Move booking `id` to session `to`. Returns the new booking's id (its reference in ref),
 * or -1 with err saying why not (no credit, not a later session, already booked there, ...)
 * or, with err empty, a store failure.
 */
int64_t move_booking(struct store *s, const struct config *c, int64_t id, const char *to,
    time_t now, char ref[REF_LEN + 1], char err[]);

#endif
