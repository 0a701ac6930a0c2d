/* Shared by tests/bench/tickgen.c (the databases) and tests/bench/tick.c (the bench). */
#ifndef NOSHOWD_BENCH_TICKGEN_H
#define NOSHOWD_BENCH_TICKGEN_H

#define TICKGEN_NOW 1793613600	/* 2026-11-02T10:00:00Z, a Monday */
#define TICKGEN_FIXED 320	/* bookings in the sessions around now, in every database */

/* What one tick at TICKGEN_NOW must do, in every database. */
#define TICKGEN_DUE 100		/* actions: duties_run()'s count */
#define TICKGEN_RELEASES 60
#define TICKGEN_PROMOTIONS 40
#define TICKGEN_REMINDERS 30
#define TICKGEN_DEBTS 10
#define TICKGEN_MESSAGES 130	/* release + seat-available + payment-reminder */

#endif
