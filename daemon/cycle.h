/*
 * One cycle of the daemon: declare configured sessions, poll every source, apply what
 * changed. Each source is fetched outside any transaction (the network is slow) and applied
 * in a transaction of its own, so one failing source never holds up or undoes another.
 */
#ifndef NOSHOWD_CYCLE_H
#define NOSHOWD_CYCLE_H

#include <stdio.h>
#include <time.h>

#include "config.h"
#include "fetch.h"
#include "store.h"

/*
 * Run one cycle at `now`. With dry_run every transaction is rolled back after printing the
 * events it would have recorded to `out`. Progress lines ("source NAME: ...") go to `out`
 * when it is not NULL. Returns 0, or -1 when the cycle could not run at all (err says why); a
 * failing source is not a failed cycle: it is recorded in its status.
 */
int cycle_run(struct store *s, const struct config *c, time_t now, int dry_run, FILE *out,
    char err[]);

/*
 * The clock may not run backwards past the last cycle (by more than a few minutes): a cycle
 * at an earlier moment could decide again what was already decided. 0, or -1 with err.
 */
int cycle_clock_check(struct store *s, const struct config *c, time_t now, char err[]);
/* Remember `now` as the moment of the last cycle (if it is later). */
int cycle_clock_record(struct store *s, time_t now);

/* Declare the configured sessions and fill their seats, in one transaction. */
int cycle_sessions(struct store *s, const struct config *c, time_t now, int dry_run,
    FILE *out);

/*
 * Poll one source now: cycle_poll_prev, fetch_get, cycle_poll_apply (or, for a folder of
 * exports, read the files). Used by cycle_run. Returns 0, or -1 if the store failed.
 */
int cycle_poll(struct store *s, const struct config *c, const struct config_source *src,
    time_t now, int dry_run, FILE *out);

/*
 * The service fetches in threads of its own (fetchq.h) and splits a poll in three: read
 * the validators (main thread), fetch (any thread, no database), apply (main thread).
 * A source that cycle_poll_local calls local (a file:// glob of exports) has no URL to
 * fetch and is polled with cycle_poll where it stands.
 */
struct cycle_prev {
	struct fetch_validators v;	/* points into the fields below */
	char *etag, *last_modified, *body_hash;
};
int cycle_poll_local(const struct config_source *src);
/* The source's row (made if missing, unless dry_run) and its validators. 0 or -1. */
int cycle_poll_prev(struct store *s, const struct config_source *src, int dry_run,
    struct cycle_prev *p);
void cycle_prev_release(struct cycle_prev *p);
/* Record and apply a fetch of src that ended at `now`. 0, or -1 if the store failed. */
int cycle_poll_apply(struct store *s, const struct config *c, const struct config_source *src,
    const struct fetch_result *r, time_t now, int dry_run, FILE *out);

/* Apply a quarantined poll of `name` despite max_drop (noshowctl source accept). */
int cycle_accept(struct store *s, const struct config *c, const char *name, time_t now,
    FILE *out, char err[]);

/*
 * Apply the policy to every booking whose moment has come (reminders, releases, debts
 * falling due; see duties.h) and queue the trainer's digest when it is due (digest.h), in
 * one transaction. 0 or -1.
 */
int cycle_tick(struct store *s, const struct config *c, time_t now, int dry_run, FILE *out);

/* Record a poll's outcome outside an ingest (failures, unchanged bodies). */
void cycle_set_result(struct store *s, const char *name, time_t now, const char *result,
    const char *error, int ok);

/* Print the events with id > since as readable lines (for --dry-run and --once). */
void cycle_print_events(struct store *s, int64_t since, const char *zone, FILE *out);

#endif
