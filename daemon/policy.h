/*
 * The rulebook of SPEC section 3 as pure functions: inputs are plain values, the policy
 * configuration and `now`; outputs are decisions. Nothing here reads the clock, the store,
 * the network or a log, so every rule can be tested at its edges without a server.
 */
#ifndef NOSHOWD_POLICY_H
#define NOSHOWD_POLICY_H

#include <stdint.h>
#include <time.h>

#include "config.h"

enum booking_state {
	BOOKING_WAITLISTED,
	BOOKING_PENDING,
	BOOKING_CONFIRMED,
	BOOKING_RELEASED,
	BOOKING_CANCELLED,
	BOOKING_ATTENDED,
	BOOKING_NO_SHOW,
	BOOKING_REFUSED,
	BOOKING_STATE_COUNT,
};

enum standing {
	STANDING_TRUSTED,
	STANDING_PREPAY,
	STANDING_BLOCKED,
};

const char *policy_state_name(enum booking_state st);
/* -1 if name is not a state. */
int policy_state_parse(const char *name);
/* Does a booking in this state occupy a seat of its session? */
int policy_holds_seat(enum booking_state st);
/* Is the booking still open (could still attend)? */
int policy_is_active(enum booking_state st);

const char *policy_standing_name(enum standing s);
int policy_standing_parse(const char *name);

/*
 * pay-by (rule 3): the earlier of booked + payment_term and start - pay_before_start, never
 * earlier than booked + min_payment_time and never later than the start. For a customer on
 * prepay standing, booked + prepay_payment_time takes the place of the first term. With
 * business_days, a pay-by on a weekend or Dutch public holiday (in `zone`) moves to the same
 * time on the next working day, but never past the start.
 */
time_t policy_pay_by(const struct config_policy *p, const char *zone, time_t booked,
    time_t start, enum standing standing);

struct policy_admission {
	enum booking_state state;
	time_t pay_by;		/* 0 when nothing is to be paid */
	int64_t amount_due;	/* cents */
};

/*
 * Where a new booking lands (rules 1, 2 and 9): refused for a blocked customer, waitlisted
 * when no seat is free, else pending until pay-by (confirmed at once when the price is 0).
 * `told` is when the customer learns the pay-by (when noshowd first sees the booking): a
 * booking found late, long after its source's booking moment, still gets min_payment_time
 * from then, never a deadline that has already passed (but never later than the start).
 */
struct policy_admission policy_admit(const struct config_policy *p, const char *zone,
    int free_seats, int64_t price, time_t booked, time_t told, time_t start,
    enum standing standing);

/* A waitlisted booking promoted to a freed seat (rule 5): pay within waitlist_payment_time. */
struct policy_admission policy_promote(const struct config_policy *p, int64_t price,
    time_t start, time_t now);

#endif
