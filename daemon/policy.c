#include <string.h>

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
		t = days_next_business_day(t, zone);
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
