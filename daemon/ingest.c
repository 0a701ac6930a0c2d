#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cancel.h"
#include "ingest.h"
#include "log.h"
#include "policy.h"
#include "seats.h"
#include "strmap.h"
#include "util.h"

/* Capacity and price: the source's own value, else a `sessions` override, else defaults. */
static void
ingest_resolve(const struct config *c, const struct feed_session *fs, int *capacity,
    int64_t *price)
{
	const struct config_session *o = config_session_find(c, fs->id);

	*capacity = fs->capacity >= 0 ? fs->capacity :
	    (o && o->capacity >= 0) ? o->capacity : c->default_capacity;
	*price = fs->price >= 0 ? fs->price :
	    (o && o->price >= 0) ? o->price : c->default_price;
}

static int
str_differs(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") != 0;
}

/*
 * Insert a session or bring it up to date, recording what changed. A session named by a
 * registration export but never described (no start) is not created here: it must come
 * from the configuration or another source.
 */
static int
ingest_session(struct store *s, const struct config *c, const char *source,
    const struct feed_session *fs, time_t now, struct ingest_counts *n)
{
	sqlite3_stmt *q;
	int capacity, old_capacity;
	int64_t price;
	struct buf changed;

	ingest_resolve(c, fs, &capacity, &price);
	q = store_q(s, "SELECT title, location, url, description, tzid, start, end, "
	    "recurrence, meetings, capacity, price, cancelled, missing FROM sessions WHERE id = ?",
	    "t", fs->id);
	if (q == NULL)
		return -1;
	if (store_step(s, q) == 0) {
		if (store_exec(s, "INSERT INTO sessions (id, source, title, location, url, "
		    "description, tzid, start, end, recurrence, meetings, capacity, price, "
		    "cancelled, first_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		    "tttttttiitddidi", fs->id, source, fs->title, fs->location, fs->url,
		    fs->description, fs->tzid, (int64_t)fs->start, (int64_t)fs->end,
		    fs->recurrence, fs->meetings, capacity, price, fs->cancelled, (int64_t)now) < 0)
			return -1;
		n->sessions_added++;
		return store_event(s, now, 0, fs->id, source, "session-added", NULL, fs->title,
		    NULL);
	}
	buf_init(&changed);
#define CHANGED(cond, name) do { if (cond) buf_printf(&changed, "%s%s", \
	changed.len ? ", " : "", name); } while (0)
	CHANGED(str_differs(store_col_text(q, 0), fs->title), "title");
	CHANGED(str_differs(store_col_text(q, 1), fs->location), "location");
	CHANGED(str_differs(store_col_text(q, 2), fs->url), "url");
	CHANGED(str_differs(store_col_text(q, 3), fs->description), "description");
	CHANGED(str_differs(store_col_text(q, 4), fs->tzid), "tzid");
	CHANGED(sqlite3_column_int64(q, 5) != fs->start, "start");
	CHANGED(sqlite3_column_int64(q, 6) != fs->end, "end");
	CHANGED(str_differs(store_col_text(q, 7), fs->recurrence), "recurrence");
	CHANGED(sqlite3_column_int(q, 8) != fs->meetings, "meetings");
	CHANGED(sqlite3_column_int(q, 9) != capacity, "capacity");
	CHANGED(sqlite3_column_int64(q, 10) != price, "price");
	CHANGED(sqlite3_column_int(q, 11) != fs->cancelled, "cancelled");
#undef CHANGED
	old_capacity = sqlite3_column_int(q, 9);
	if (sqlite3_column_int(q, 12)) {
		store_exec(s, "UPDATE sessions SET missing = 0 WHERE id = ?", "t", fs->id);
		store_event(s, now, 0, fs->id, source, "session-returned", NULL, NULL, NULL);
	}
	sqlite3_reset(q);
	if (changed.len > 0) {
		store_exec(s, "UPDATE sessions SET title = ?, location = ?, url = ?, "
		    "description = ?, tzid = ?, start = ?, end = ?, recurrence = ?, meetings = ?, "
		    "capacity = ?, price = ?, cancelled = ? WHERE id = ?", "tttttiitddidt",
		    fs->title, fs->location, fs->url, fs->description, fs->tzid,
		    (int64_t)fs->start, (int64_t)fs->end, fs->recurrence, fs->meetings, capacity,
		    price, fs->cancelled, fs->id);
		store_event(s, now, 0, fs->id, source, "session-changed", NULL, NULL,
		    changed.data);
		/* Release and debt moments hang on the session's times: look again now. */
		store_exec(s, "UPDATE bookings SET due_at = 0 WHERE session_id = ? AND state IN "
		    "('pending', 'confirmed')", "t", fs->id);
		n->sessions_changed++;
		if (capacity < old_capacity)
			log_info("session %s: capacity lowered from %d to %d; bookings already "
			    "holding a seat keep it", fs->id, old_capacity, capacity);
	}
	buf_release(&changed);
	return s->failed ? -1 : 0;
}

int
ingest_config_sessions(struct store *s, const struct config *c, time_t now)
{
	struct ingest_counts n;

	memset(&n, 0, sizeof(n));
	for (size_t i = 0; i < c->nsessions; i++) {
		const struct config_session *cs = &c->sessions[i];
		struct feed_session fs;

		if (cs->title == NULL)	/* an override of a feed session, not a declaration */
			continue;
		memset(&fs, 0, sizeof(fs));
		fs.id = cs->id;
		fs.title = cs->title;
		fs.location = cs->location;
		fs.start = (time_t)cs->start;
		fs.end = (time_t)cs->end;
		fs.meetings = 1;
		fs.capacity = cs->capacity;
		fs.price = cs->price;
		if (ingest_session(s, c, "config", &fs, now, &n) < 0)
			return -1;
		seats_fill(s, c, cs->id, now, "policy waitlist");
	}
	return s->failed ? -1 : 0;
}

/* Order in which new bookings take seats: the source's booking moment where known, else
   the order of the feed (qsort is not stable, so the index breaks ties). */
struct ingest_order {
	time_t booked_at;
	size_t index;
};

static int
ingest_order_cmp(const void *a, const void *b)
{
	const struct ingest_order *x = a, *y = b;
	if (x->booked_at != y->booked_at)
		return x->booked_at < y->booked_at ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static int
ingest_id_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * Bookings this source knows that could still drop out of it: open, not already missing,
 * of sessions that have not ended (feeds commonly drop past events; that is no reason to
 * flag anyone or to quarantine a poll).
 */
static int64_t *
ingest_known(struct store *s, const char *source, time_t now, size_t *count)
{
	sqlite3_stmt *q = store_q(s, "SELECT b.id FROM bookings b JOIN sessions x ON "
	    "x.id = b.session_id WHERE b.source = ? AND b.missing = 0 AND b.state IN "
	    "('waitlisted', 'pending', 'confirmed') AND x.end > ? ORDER BY b.id", "ti",
	    source, (int64_t)now);
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;

	while (store_step(s, q) > 0) {
		ids = xgrow(ids, &cap, n + 1, sizeof(*ids));
		ids[n++] = sqlite3_column_int64(q, 0);
	}
	*count = n;
	return ids;
}

/*
 * The customer cancelled in the source: under the policy (cancel.c), as of the last poll at
 * which the booking still stood (`since`), the earliest moment it can have happened.
 */
static int
ingest_cancel(struct store *s, const struct config *c, int64_t id, time_t since, time_t now,
    const char *cause, struct ingest_counts *n)
{
	int done;

	if (cancel_booking(s, c, id, since, now, cause, &done) < 0)
		return -1;
	n->cancelled += done;
	return 0;
}

/* The trainer cancelled the session: everyone is freed, nothing is due. */
static int
ingest_session_cancel(struct store *s, int64_t id, enum booking_state st, time_t now,
    const char *cause, struct ingest_counts *n)
{
	if (!policy_is_active(st))
		return 0;
	n->cancelled++;
	return seats_set_state(s, id, st, BOOKING_CANCELLED, 0, 0, now, cause,
	    "the session was cancelled by the trainer; nothing is due");
}

/* What pass 1 learnt about a feed booking that the store already has. */
struct ingest_known_state {
	enum booking_state state;
	int missing;
};

/* Find the store's booking, if any, for every feed booking (see pass 1). */
static void
ingest_match(struct store *s, const struct feed *f, const struct strmap *sessions,
    int64_t *found, struct ingest_known_state *state)
{
	struct strmap people;

	memset(&people, 0, sizeof(people));
	strmap_reserve(&people, f->nbookings);
	for (size_t i = 0; i < f->nbookings; i++) {
		size_t si = strmap_get(sessions, f->bookings[i].session_id, 0);

		if (si != NOIDX)
			strmap_put(&people, f->bookings[i].email, si, i);
	}
	for (size_t si = 0; si < f->nsessions; si++) {
		sqlite3_stmt *q = store_q(s, "SELECT id, email, state, missing FROM bookings "
		    "WHERE session_id = ?", "t", f->sessions[si].id);

		while (store_step(s, q) > 0) {
			size_t i = strmap_get(&people, store_col_text(q, 1), si);
			int st;

			if (i == NOIDX)
				continue;
			st = policy_state_parse(store_col_text(q, 2));
			found[i] = sqlite3_column_int64(q, 0);
			state[i].state = st < 0 ? BOOKING_CANCELLED : (enum booking_state)st;
			state[i].missing = sqlite3_column_int(q, 3);
		}
	}
	strmap_release(&people);
}

enum ingest_outcome
ingest_feed(struct store *s, const struct config *c, const struct config_source *src,
    struct feed *f, time_t now, int force, struct ingest_counts *n)
{
	struct ingest_order *order = NULL;
	struct ingest_known_state *state = NULL;
	struct strmap sessions;		/* the feed's sessions by id */
	int64_t *found = NULL, *known = NULL;
	size_t nknown = 0;
	char *seen = NULL;
	char cause[300];
	/* The last good poll: a cancellation found now happened after it, at the earliest. */
	time_t since = (time_t)store_int(s, now, "SELECT coalesce(last_ok, ?1) FROM sources "
	    "WHERE name = ?2", "it", (int64_t)now, src->name);

	memset(n, 0, sizeof(*n));
	snprintf(cause, sizeof(cause), "source %s", src->name);

	/*
	 * Pass 1, read only: which feed bookings the store has, and how many known ones vanish.
	 * One indexed scan per session, matched through a hash map, instead of one query per
	 * booking (make bench: 100,000 point queries were a fifth of a changed poll).
	 */
	memset(&sessions, 0, sizeof(sessions));
	strmap_reserve(&sessions, f->nsessions);
	for (size_t i = 0; i < f->nsessions; i++)
		strmap_put(&sessions, f->sessions[i].id, 0, i);
	found = xcalloc(f->nbookings + 1, sizeof(*found));
	state = xcalloc(f->nbookings + 1, sizeof(*state));
	known = ingest_known(s, src->name, now, &nknown);
	seen = xcalloc(nknown + 1, 1);
	ingest_match(s, f, &sessions, found, state);
	for (size_t i = 0; i < f->nbookings; i++) {
		int64_t *k;

		if (found[i] > 0 && (k = bsearch(&found[i], known, nknown, sizeof(*known),
		    ingest_id_cmp)) != NULL)
			seen[k - known] = 1;
	}
	n->known = (int)nknown;
	for (size_t i = 0; i < nknown; i++)
		n->dropped += !seen[i];
	if (!force && nknown > 0 &&
	    (int64_t)n->dropped * 10000 > (int64_t)c->policy.max_drop * (int64_t)nknown) {
		free(found), free(known), free(seen), free(state);
		strmap_release(&sessions);
		return s->failed ? INGEST_FAILED : INGEST_QUARANTINED;
	}

	/* Pass 2: sessions first, so bookings can refer to them. */
	for (size_t i = 0; i < f->nsessions; i++) {
		if (f->sessions[i].start == 0 && f->sessions[i].title == NULL)
			continue;	/* only named (registration export) */
		if (ingest_session(s, c, src->name, &f->sessions[i], now, n) < 0)
			goto fail;
	}

	order = xcalloc(f->nbookings + 1, sizeof(*order));
	for (size_t i = 0; i < f->nbookings; i++) {
		order[i].booked_at = f->bookings[i].booked_at;
		order[i].index = i;
	}
	qsort(order, f->nbookings, sizeof(*order), ingest_order_cmp);

	for (size_t k = 0; k < f->nbookings; k++) {
		size_t i = order[k].index;
		const struct feed_booking *fb = &f->bookings[i];
		struct seats_session ss;

		if (found[i] > 0) {
			if (state[i].missing) {
				store_exec(s, "UPDATE bookings SET missing = 0 WHERE id = ?", "i",
				    found[i]);
				store_event(s, now, found[i], fb->session_id, cause, "returned",
				    NULL, NULL, "back in the source");
				n->returned++;
			}
			if (fb->cancelled && policy_is_active(state[i].state) &&
			    ingest_cancel(s, c, found[i], since, now, cause, n) < 0)
				goto fail;
			continue;
		}
		if (fb->cancelled)
			continue;	/* declined before we ever saw a booking: nothing to record */
		if (seats_session_get(s, fb->session_id, &ss) < 0) {
			feed_warn(f, "line %d: session \"%s\" of %s is not known (declare it in "
			    "`sessions` or another source); booking not taken yet", fb->line,
			    fb->session_id, fb->email);
			n->skipped++;
			continue;
		}
		{
			struct seats_person p = { fb->email, fb->name, fb->company, fb->vat,
			    fb->language };
			char ref[REF_LEN + 1];
			enum booking_state st;

			if (seats_book(s, c, &ss, &p, src->name, fb->booked_at, now, cause, ref,
			    &st) < 0)
				goto fail;
			n->booked++;
			n->waitlisted += st == BOOKING_WAITLISTED;
		}
	}

	/* A session the trainer cancelled frees everyone, without a fee. */
	for (size_t i = 0; i < f->nsessions; i++) {
		sqlite3_stmt *q;

		if (!f->sessions[i].cancelled)
			continue;
		for (;;) {
			char st[32];
			int64_t id;

			q = store_q(s, "SELECT id, state FROM bookings WHERE session_id = ? AND "
			    "state IN ('waitlisted', 'pending', 'confirmed') LIMIT 1", "t",
			    f->sessions[i].id);
			if (store_step(s, q) <= 0)
				break;
			id = sqlite3_column_int64(q, 0);
			snprintf(st, sizeof(st), "%s", store_col_text(q, 1));
			sqlite3_reset(q);
			if (ingest_session_cancel(s, id, (enum booking_state)policy_state_parse(st),
			    now, cause, n) < 0)
				goto fail;
		}
	}

	/* Known bookings the source no longer lists: flag, never cancel. */
	for (size_t i = 0; i < nknown; i++) {
		if (seen[i])
			continue;
		store_exec(s, "UPDATE bookings SET missing = 1 WHERE id = ?", "i", known[i]);
		store_event(s, now, known[i], NULL, cause, "missing", NULL, NULL,
		    "no longer in the source; the booking stands until the trainer acts");
		n->missing++;
	}

	/* Sessions of this source that vanished while upcoming. */
	{
		sqlite3_stmt *q = store_q(s, "SELECT id FROM sessions WHERE source = ? AND "
		    "missing = 0 AND end > ?", "ti", src->name, (int64_t)now);
		char **gone = NULL;
		size_t ngone = 0, cap = 0;

		while (store_step(s, q) > 0) {
			const char *id = store_col_text(q, 0);

			if (strmap_get(&sessions, id, 0) == NOIDX) {
				gone = xgrow(gone, &cap, ngone + 1, sizeof(*gone));
				gone[ngone++] = xstrdup(id);
			}
		}
		for (size_t i = 0; i < ngone; i++) {
			store_exec(s, "UPDATE sessions SET missing = 1 WHERE id = ?", "t", gone[i]);
			store_event(s, now, 0, gone[i], cause, "session-missing", NULL, NULL,
			    "no longer in the source");
			n->sessions_missing++;
			free(gone[i]);
		}
		free(gone);
	}

	/* Freed or added seats go to the waiting list. */
	for (size_t i = 0; i < f->nsessions; i++) {
		int p = seats_fill(s, c, f->sessions[i].id, now, "policy waitlist");

		if (p < 0)
			goto fail;
		n->promoted += p;
	}

	free(order), free(found), free(known), free(seen), free(state);
	strmap_release(&sessions);
	return s->failed ? INGEST_FAILED : INGEST_APPLIED;
fail:
	free(order), free(found), free(known), free(seen), free(state);
	strmap_release(&sessions);
	return INGEST_FAILED;
}

void
ingest_summary(const struct ingest_counts *n, char *out, size_t len)
{
	struct buf b;

	buf_init(&b);
#define PART(v, fmt) do { if (v) buf_printf(&b, "%s" fmt, b.len ? ", " : "", v); } while (0)
	PART(n->sessions_added, "%d sessions added");
	PART(n->sessions_changed, "%d sessions changed");
	PART(n->sessions_missing, "%d sessions missing");
	PART(n->booked, "%d booked");
	PART(n->waitlisted, "%d of them waitlisted");
	PART(n->cancelled, "%d cancelled");
	PART(n->promoted, "%d promoted from the waiting list");
	PART(n->missing, "%d missing");
	PART(n->returned, "%d back");
	PART(n->skipped, "%d skipped");
#undef PART
	snprintf(out, len, "%s", b.len ? b.data : "no changes");
	buf_release(&b);
}
