/*
 * Attendance (SPEC section 3 rule 7): marking a booking present or absent, by hand
 * (`noshowctl attend`, `noshowctl noshow`) or by the policy for an unmarked booking of a
 * session with attendance data. In the caller's transaction.
 */
#ifndef NOSHOWD_ATTENDANCE_H
#define NOSHOWD_ATTENDANCE_H

#include <stdint.h>
#include <time.h>

#include "config.h"
#include "store.h"

/*
 * Mark booking `id` present (attended: it owes its price) or absent (no_show: it owes the
 * no_show_fee, and the customer gets the no-show message). A present mark gives the
 * session attendance data, and its other bookings are looked at again; an absent mark
 * says nothing about anyone else. A booking that held no seat cannot be
 * marked: -1 with err. Returns 0, or -1 (err, or a store failure with err empty).
 */
int attendance_mark(struct store *s, const struct config *c, int64_t id, int present,
    time_t now, const char *cause, char err[]);

#endif
