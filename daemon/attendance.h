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

struct zoom_report;

struct attendance_counts {
	char session[256];	/* the session the report was applied to */
	int present;		/* marked present */
	int too_short;		/* in the meeting for less than attend_min of the session */
	int not_booked;		/* participants with no booking in the session */
};

/*
 * Apply a participant report (rule 7) to `session`, or, when that is NULL, to the session
 * whose time overlaps the meeting most (-1 with err when none does or two do equally). A
 * booked participant present for at least attend_min of the session's length is marked
 * present; the session then has attendance data, so that the bookings nobody marked become
 * no-shows at end + no_show_after, as for marks by hand. Others are counted, never marked
 * absent here: the trainer has until then to correct. A report in which no participant
 * has a booking in the session is refused: it is more likely another session's. 0, or -1
 * with err.
 */
int attendance_import(struct store *s, const struct config *c, const struct zoom_report *r,
    const char *session, time_t now, const char *cause, struct attendance_counts *n,
    char err[]);

#endif
