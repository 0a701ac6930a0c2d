/*
 * Bookings and seats in the store: making a booking, changing its state with an event, and
 * filling freed seats from the waiting list. Decisions come from policy; this module only
 * reads what policy needs and writes what it decided. Used by ingest (sources) and by
 * noshowctl (bookings by hand), so both apply the same rules.
 */
#ifndef NOSHOWD_SEATS_H
#define NOSHOWD_SEATS_H

#include <stdint.h>
#include <time.h>

#include "config.h"
#include "policy.h"
#include "ref.h"
#include "store.h"

struct seats_person {
	const char *email;	/* lower case, valid */
	const char *name, *company, *vat, *language;	/* NULL = unknown */
};

struct seats_session {
	char id[256];
	time_t start, end;
	int capacity;
	int64_t price;
	int cancelled;
};

/* Load a session's seat facts; 0, or -1 if there is no such session. */
int seats_session_get(struct store *s, const char *id, struct seats_session *out);
/* Seats still free (capacity minus bookings holding a seat; may be negative). */
int seats_free(struct store *s, const char *session_id);

/* Create the customer, or add what is newly known about them. */
int seats_customer(struct store *s, const struct seats_person *p, time_t now);

/*
 * Book p into a session: the state comes from policy_admit. Returns the new booking's id
 * (> 0), its reference in ref and its state in *state, or -1 (store failure). booked_at 0
 * means now.
 */
int64_t seats_book(struct store *s, const struct config *c, const struct seats_session *ss,
    const struct seats_person *p, const char *source, time_t booked_at, time_t now,
    const char *cause, char ref[REF_LEN + 1], enum booking_state *state);

/* Move a booking to another state with an event; amount_due is set as given. */
int seats_set_state(struct store *s, int64_t booking_id, enum booking_state from,
    enum booking_state to, int64_t amount_due, time_t pay_by, time_t now, const char *cause,
    const char *detail);

/*
 * The unpaid balance of booking `id` fell due as a debt at `due` (rule 8): record the
 * moment the dunning ladder counts from, with a "debt-due" event. 0 or -1.
 */
int seats_debt_due(struct store *s, const struct config *c, int64_t id, int64_t balance,
    time_t due, time_t now, const char *cause);

/*
 * Record whether booking `id` is an incident (rule 9: released for non-payment, cancelled
 * late, a no-show) and bring its customer's standing up to date, unless the trainer set it
 * by hand. A change of standing is an event. 0 or -1.
 */
int seats_incident(struct store *s, const struct config *c, int64_t id, int incident,
    time_t now, const char *cause);

/*
 * Promote waitlisted bookings, first seen first, while the session has free seats and has
 * not started. Returns the number promoted, or -1.
 */
int seats_fill(struct store *s, const struct config *c, const char *session_id, time_t now,
    const char *cause);

#endif
