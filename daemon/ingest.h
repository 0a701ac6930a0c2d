/*
 * Applying what a source says to the store: sessions added or changed, new bookings admitted
 * by policy, cancellations, bookings that vanished (flagged `missing`, never cancelled), and
 * the max_drop quarantine. A parse never writes; this is the one place a feed reaches the
 * store. The caller holds the transaction.
 */
#ifndef NOSHOWD_INGEST_H
#define NOSHOWD_INGEST_H

#include <time.h>

#include "config.h"
#include "feed.h"
#include "store.h"

struct ingest_counts {
	int sessions_added, sessions_changed, sessions_missing;
	int booked, waitlisted, cancelled, missing, returned, promoted, skipped;
	int known, dropped;	/* for max_drop: open bookings of upcoming sessions */
};

enum ingest_outcome {
	INGEST_FAILED = -1,
	INGEST_APPLIED = 0,
	INGEST_QUARANTINED = 1,
};

/*
 * Apply feed f from source src at `now`. With force, the max_drop check is skipped (for
 * `noshowctl source accept`). Warnings about skipped items are added to f->warnings.
 */
enum ingest_outcome ingest_feed(struct store *s, const struct config *c,
    const struct config_source *src, struct feed *f, time_t now, int force,
    struct ingest_counts *n);

/* Declare or update the sessions written in the configuration (`sessions` with times). */
int ingest_config_sessions(struct store *s, const struct config *c, time_t now);

/* One line for logs and status: "2 sessions added, 14 booked (3 waitlisted), 1 missing". */
void ingest_summary(const struct ingest_counts *n, char *out, size_t len);

#endif
