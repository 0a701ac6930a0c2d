#include <stdint.h>
#include <string.h>
#include <time.h>

#include "days.h"
#include "policy.h"

static const char *const state_names[BOOKING_STATE_COUNT] = {
	"waitlisted", "pending", "confirmed", "released", "cancelled", "attended", "no_show",
	"refused",
};

static const char *const standing_names[] = { "trusted", "prepay", "blocked" };

const char *
policy_state_name(enum booking_state st)
{
	return (unsigned)st < BOOKING_STATE_COUNT ? state_names[st] : "?";
}

int
policy_state_parse(const char *name)
{
	for (int i = 0; i < BOOKING_STATE_COUNT; i++)
		if (strcmp(name, state_names[i]) == 0)
			return i;
	return -1;
}

int
policy_holds_seat(enum booking_state st)
{
	return st == BOOKING_PENDING || st == BOOKING_CONFIRMED || st == BOOKING_ATTENDED ||
	    st == BOOKING_NO_SHOW;
}

int
policy_is_active(enum booking_state st)
{
	return st == BOOKING_WAITLISTED || st == BOOKING_PENDING || st == BOOKING_CONFIRMED;
}

const char *
policy_standing_name(enum standing s)
{
	return (unsigned)s <= STANDING_BLOCKED ? standing_names[s] : "?";
}

enum standing
policy_standing(const struct config_policy *p, int incidents)
{
	if (incidents >= p->block_after)
		return STANDING_BLOCKED;
	if (incidents >= p->prepay_after)
		return STANDING_PREPAY;
	return STANDING_TRUSTED;
}

int
policy_standing_parse(const char *name)
{
	for (int i = 0; i <= STANDING_BLOCKED; i++)
		if (strcmp(name, standing_names[i]) == 0)
			return i;
	return -1;
}

static time_t
min_t(time_t a, time_t b)
{
	return a < b ? a : b;
}

static time_t
max_t(time_t a, time_t b)
{
	return a > b ? a : b;
}

time_t
policy_pay_by(const struct config_policy *p, const char *zone, time_t booked,
    time_t start, enum standing standing)
{
	time_t t;

	if (standing == STANDING_PREPAY)
		t = booked + p->prepay_payment_time;
	else
		t = min_t(booked + p->payment_term, start - p->pay_before_start);
	t = max_t(t, booked + p->min_payment_time);
	if (p->business_days)
		t = days_next_business_day(t, zone, p->good_friday);
	return min_t(t, start);
}

struct policy_admission
policy_admit(const struct config_policy *p, const char *zone, int free_seats, int64_t price,
    time_t booked, time_t told, time_t start, enum standing standing)
{
	struct policy_admission a = { BOOKING_PENDING, 0, 0 };

	if (standing == STANDING_BLOCKED) {
		a.state = BOOKING_REFUSED;
		return a;
	}
	if (free_seats <= 0) {
		a.state = BOOKING_WAITLISTED;
		return a;
	}
	a.amount_due = price;
	if (price == 0) {
		a.state = BOOKING_CONFIRMED;
		return a;
	}
	a.pay_by = max_t(policy_pay_by(p, zone, booked, start, standing),
	    min_t(told + p->min_payment_time, start));
	return a;
}

struct policy_admission
policy_promote(const struct config_policy *p, int64_t price, time_t start, time_t now)
{
	struct policy_admission a = { BOOKING_PENDING, 0, price };

	if (price == 0) {
		a.state = BOOKING_CONFIRMED;
		return a;
	}
	a.pay_by = min_t(now + p->waitlist_payment_time, max_t(start, now));
	return a;
}

int64_t
policy_confirm_amount(const struct config_policy *p, int64_t amount_due)
{
	if (p->deposit > 0)
		return amount_due * p->deposit / 10000;
	return amount_due;
}

time_t
policy_release_at(const struct config_policy *p, time_t pay_by, time_t start)
{
	if (!p->release_unpaid || pay_by == 0 || pay_by >= start)
		return 0;
	if (pay_by + p->release_grace < start)
		return pay_by + p->release_grace;
	return pay_by;
}

/* The earlier of next and a moment after now (0 = none yet). */
static time_t
policy_sooner(time_t next, time_t t, time_t now)
{
	if (t <= now)
		return next;
	return next == 0 || t < next ? t : next;
}

/* When an unpaid balance becomes a debt: a deposit's rest rest_due_before the start, a kept
   seat after its session; never before pay-by. */
static time_t
policy_debt_at(const struct config_policy *p, const struct policy_booking *b)
{
	int deposit_paid = p->deposit > 0 && b->amount_paid > 0 &&
	    b->amount_paid >= policy_confirm_amount(p, b->amount_due);
	time_t t = deposit_paid ? b->start - p->rest_due_before : b->end;

	return max_t(t, b->pay_by);
}

int64_t
policy_wik_costs(int64_t principal)
{
	static const struct { int64_t upto; int bp; } scale[] = {
		{ 250000, 1500 }, { 500000, 1000 }, { 1000000, 500 }, { 20000000, 100 },
		{ INT64_MAX, 50 },
	};
	int64_t below = 0, costs2 = 0;	/* in half cents, to round once at the end */

	for (size_t i = 0; i < sizeof(scale) / sizeof(scale[0]) && principal > below; i++) {
		int64_t part = (principal < scale[i].upto ? principal : scale[i].upto) - below;

		costs2 += part * scale[i].bp * 2 / 10000;
		below = scale[i].upto;
	}
	costs2 = (costs2 + 1) / 2;
	if (principal <= 0)
		return 0;
	return costs2 < 4000 ? 4000 : costs2 > 677500 ? 677500 : costs2;
}

time_t
policy_step_term(const struct config_policy *p, const char *zone, int step, time_t delivered)
{
	time_t next = step < (int)p->ndunning ? delivered + p->dunning[step].after :
	    delivered + 14 * 86400;
	time_t end;

	/* Fourteen days from the day after delivery: over at the start of the fifteenth. */
	if (step < 1 || step > (int)p->ndunning || !p->dunning[step - 1].wik ||
	    days_wall_on(delivered, zone, 15, 0, &end) < 0)
		return next;
	return end > next || step == (int)p->ndunning ? end : next;
}

/* Rule 8: the next step of the ladder, or collection; holds while a step is not out. */
static struct policy_duty
policy_dunning(const struct config_policy *p, const char *zone,
    const struct policy_booking *b, time_t now, struct policy_duty d)
{
	time_t at;

	if (p->ndunning == 0 || b->stage > (int)p->ndunning)
		return d;
	if (b->stage > 0 && (b->step_failed || b->step_sent == 0)) {
		/* Not delivered (yet): no term runs. Look again in an hour. */
		d.next = policy_sooner(d.next, now + 3600, now);
		return d;
	}
	at = b->stage == 0 ? b->debt_due + p->dunning[0].after :
	    policy_step_term(p, zone, b->stage, b->step_sent);
	if (now < at) {
		d.next = policy_sooner(d.next, at, now);
		return d;
	}
	d.at = at;
	d.next = 0;
	if (b->stage == (int)p->ndunning) {
		d.action = POLICY_COLLECTION;
	} else {
		d.action = POLICY_DUN;
		d.step = b->stage + 1;
	}
	return d;
}

struct policy_duty
policy_due(const struct config_policy *p, const char *zone, const struct policy_booking *b,
    time_t now)
{
	struct policy_duty d = { POLICY_NOTHING, 0, 0, 0 };
	int64_t balance = b->amount_due - b->amount_paid;
	int open = b->state == BOOKING_PENDING || b->state == BOOKING_CONFIRMED;
	time_t release, remind, debt;

	/* Rule 7: only a session with attendance data marks anyone absent. */
	if (open && b->attendance) {
		time_t no_show = b->end + p->no_show_after;

		if (now >= no_show) {
			d.action = POLICY_NO_SHOW;
			d.at = no_show;
			return d;
		}
		d.next = no_show;
	}
	if (b->debt_due != 0 && balance > 0)
		return policy_dunning(p, zone, b, now, d);
	if (balance <= 0 || b->pay_by == 0)
		return d;
	if (b->state == BOOKING_PENDING &&
	    b->amount_paid < policy_confirm_amount(p, b->amount_due)) {
		release = policy_release_at(p, b->pay_by, b->start);
		if (release != 0 && now >= release) {
			d.action = POLICY_RELEASE;
			d.at = release;
			return d;
		}
		remind = b->pay_by - p->remind_before;
		if (!b->reminded && remind > b->told && now < b->pay_by) {
			if (now >= remind) {
				d.action = POLICY_REMIND;
				d.at = remind;
				return d;
			}
			d.next = policy_sooner(d.next, remind, now);
		}
		d.next = policy_sooner(d.next, release, now);
		if (release != 0)
			return d;	/* released before it could become a debt */
	} else if (!open && b->state != BOOKING_ATTENDED) {
		return d;
	}
	if (b->debt_due == 0) {
		debt = policy_debt_at(p, b);
		if (now >= debt) {
			d.action = POLICY_DEBT_DUE;
			d.at = debt;
			d.next = 0;
			return d;
		}
		d.next = policy_sooner(d.next, debt, now);
	}
	return d;
}

int64_t
policy_no_show_fee(const struct config_policy *p, int64_t price)
{
	return price * p->no_show_fee / 10000;
}

struct policy_payment
policy_pay(const struct config_policy *p, enum booking_state state, int64_t amount_due,
    int64_t price, int64_t paid, int free_seats, time_t start, time_t now)
{
	struct policy_payment r = { state, amount_due, 0 };

	switch (state) {
	case BOOKING_PENDING:
		if (paid >= policy_confirm_amount(p, amount_due))
			r.state = BOOKING_CONFIRMED;
		break;
	case BOOKING_RELEASED:
		if (p->accept_late && free_seats > 0 && now < start && paid > 0) {
			r.revived = 1;
			r.amount_due = price;
			r.state = paid >= policy_confirm_amount(p, price) ? BOOKING_CONFIRMED :
			    BOOKING_PENDING;
		}
		break;
	default:
		break;
	}
	return r;
}

int64_t
policy_refund_due(enum booking_state state, int64_t amount_due, int64_t paid)
{
	if (state == BOOKING_WAITLISTED || paid <= amount_due)
		return 0;
	return paid - amount_due;
}

struct policy_cancellation
policy_cancel(const struct config_policy *p, enum booking_state state, int business,
    time_t booked, time_t start, int64_t price, time_t at)
{
	struct policy_cancellation r = { CANCEL_FREE, 0 };

	if (!policy_holds_seat(state))
		return r;
	if (!business && at < booked + p->withdrawal_period && at < start) {
		r.kind = CANCEL_WITHDRAWAL;
		return r;
	}
	if (at <= start - p->free_cancel_before)
		return r;
	r.fee = price * p->late_cancel_fee / 10000;
	r.kind = r.fee > 0 ? CANCEL_LATE : CANCEL_FREE;
	return r;
}
