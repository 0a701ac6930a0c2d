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
/*
 * A customer's standing by their incidents (rule 9): blocked from block_after incidents,
 * prepay from prepay_after (0: everyone prepays), else trusted.
 */
enum standing policy_standing(const struct config_policy *p, int incidents);
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

/* What must be paid to hold the seat for good: the deposit where one is set, else all. */
int64_t policy_confirm_amount(const struct config_policy *p, int64_t amount_due);

/*
 * When an unpaid seat is released (rule 5): pay_by + release_grace, but a release must
 * happen before the session starts to be of use to anyone. When the grace would reach the
 * start, the seat is released at pay-by itself (the moment the customer was shown); when
 * pay-by is the start, it is not released at all and the price is dunned like any debt.
 * 0 = never released (also when release_unpaid is false).
 */
time_t policy_release_at(const struct config_policy *p, time_t pay_by, time_t start);

/* What the policy needs to know of one booking to decide what falls due (rules 4, 5, 11). */
struct policy_booking {
	enum booking_state state;
	time_t told;		/* when the customer was told the current pay-by */
	time_t pay_by;		/* 0 = none */
	time_t start, end;
	int64_t amount_due, amount_paid;
	int reminded;		/* the payment reminder went out */
	time_t debt_due;	/* 0 = the balance has not fallen due as a debt yet */
	int attendance;		/* the session has attendance data (a present mark or a
				   participant report) */
	int stage;		/* dunning steps sent (rule 8); ndunning + 1 = collection */
	time_t step_sent;	/* when the last step's message was delivered (a delivery report),
				   else went out; 0 = not yet */
	int step_failed;	/* the last step's message failed for good or bounced */
};

enum policy_action {
	POLICY_NOTHING,
	POLICY_REMIND,		/* send the payment reminder (rule 4) */
	POLICY_RELEASE,		/* release the unpaid seat (rule 5) */
	POLICY_DEBT_DUE,	/* the balance is now a debt, due since `at` (rules 5, 8, 11) */
	POLICY_NO_SHOW,		/* nobody marked the booking present (rule 7) */
	POLICY_DUN,		/* send dunning step `step` (1-based; rule 8) */
	POLICY_COLLECTION,	/* the ladder is done: the debt goes to collection */
};

struct policy_duty {
	enum policy_action action;
	time_t at;		/* the moment the action fell due */
	time_t next;		/* with POLICY_NOTHING: the next moment to look; 0 = never */
	int step;		/* POLICY_DUN: the ladder step, 1-based */
};

/*
 * What falls due for a booking at `now`. Apply the action and ask again until the answer is
 * POLICY_NOTHING, whose `next` is when to ask next. A pending or confirmed booking of a
 * session with attendance data that nobody marked becomes a no-show at end +
 * no_show_after; without attendance data nobody is ever marked absent. A debt (debt_due
 * set, a balance left) walks the dunning ladder one step at a time: step 1 `after` the
 * due moment, each next step `after` the previous one went out, collection when the last
 * step's term has passed; a step whose message has not gone out (or failed) holds the
 * ladder, so that no step is skipped and nothing starts a term that was not delivered. Catching up after downtime, the later
 * action wins: a seat due for release is released without a reminder first, and a
 * reminder is never sent once pay-by has passed. A reminder is only sent when its moment
 * (pay_by - remind_before) comes after the customer was told the pay-by: otherwise the
 * confirmation they just got says the same.
 */
struct policy_duty policy_due(const struct config_policy *p, const char *zone,
    const struct policy_booking *b, time_t now);

/*
 * Extrajudicial collection costs by the Dutch statutory scale (art. 6:96 BW, Besluit
 * vergoeding voor buitengerechtelijke incassokosten) on a principal, in cents: 15% of the
 * first 2,500 euros (at least 40 euros), 10% of the next 2,500, 5% of the next 5,000, 1% of
 * the next 190,000 and 0.5% above, at most 6,775 euros; rounded to the cent.
 */
int64_t policy_wik_costs(int64_t principal);

/*
 * The end of a dunning step's term (rule 8). A step marked wik (the 14-day letter) gives
 * fourteen days counted from the day after delivery: its term ends at midnight (in zone)
 * at the end of the fourteenth day. Other steps wait for the next step's `after`; the last
 * one for 14 days.
 */
time_t policy_step_term(const struct config_policy *p, const char *zone, int step,
    time_t delivered);

/* The no-show fee (rule 7): no_show_fee percent of the price. */
int64_t policy_no_show_fee(const struct config_policy *p, int64_t price);

/* Where a payment leaves a booking (rule 5 and 11). */
struct policy_payment {
	enum booking_state state;	/* the new state (may be unchanged) */
	int64_t amount_due;		/* the new amount due */
	int revived;			/* a released booking got its seat back */
};

/*
 * A booking that has been paid `paid` in total (this payment included): pending becomes
 * confirmed once the confirm amount is in; a released booking is revived when accept_late
 * is set, a seat is free and the session has not started, and then owes its price again;
 * otherwise a released, cancelled or refused booking owes nothing more and what was paid
 * is due back. Pure: the caller records the result.
 */
struct policy_payment policy_pay(const struct config_policy *p, enum booking_state state,
    int64_t amount_due, int64_t price, int64_t paid, int free_seats, time_t start,
    time_t now);

/* What is due back to the customer: overpaid money, except on the waiting list (kept for
   the seat they wait for). */
int64_t policy_refund_due(enum booking_state state, int64_t amount_due, int64_t paid);

enum policy_cancel_kind {
	CANCEL_FREE,		/* early enough, or no seat was held: nothing due */
	CANCEL_WITHDRAWAL,	/* a consumer's statutory right of withdrawal: free */
	CANCEL_LATE,		/* late_cancel_fee percent of the price is due */
};

struct policy_cancellation {
	enum policy_cancel_kind kind;
	int64_t fee;		/* cents due; 0 unless CANCEL_LATE */
};

/*
 * A cancellation at `at` (rule 6). A consumer who cancels within withdrawal_period of
 * booking and before the start withdraws, free of charge, whatever the trainer's terms;
 * anyone who cancels at least free_cancel_before the start pays nothing; a booking that held
 * no seat (waitlisted) never pays; otherwise late_cancel_fee percent of the price is due (a
 * fee of 0 is a free cancellation).
 */
struct policy_cancellation policy_cancel(const struct config_policy *p,
    enum booking_state state, int business, time_t booked, time_t start, int64_t price,
    time_t at);

#endif
