#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bounces.h"
#include "csv.h"
#include "cycle.h"
#include "days.h"
#include "fetch.h"
#include "ical.h"
#include "ingest.h"
#include "log.h"
#include "outbox.h"
#include "exportsource.h"
#include "digest.h"
#include "evidence.h"
#include "duties.h"
#include "util.h"

/* How far the clock may go back before a cycle refuses to run (NTP steps are smaller). */
#define CYCLE_CLOCK_SLACK 300

static int
cycle_parse(const struct config *c, const struct config_source *src, const char *body,
    size_t len, struct feed *f, char err[])
{
	switch (src->type) {
	case SOURCE_ICAL:
		return ical_parse(body, len, src->layout, c->timezone, f, err);
	case SOURCE_CSV:
		return regcsv_parse(body, len, src, c->timezone, f, err);
	case SOURCE_PAYMENTS_CSV:
	case SOURCE_ATTENDANCE_CSV:
		return errf(err, "an export source is read by exportsource_poll");
	}
	return errf(err, "unknown source type");
}

static char *
cycle_join_warnings(const struct feed *f)
{
	struct buf b;

	if (f->nwarnings == 0)
		return NULL;
	buf_init(&b);
	for (size_t i = 0; i < f->nwarnings; i++)
		buf_printf(&b, "%s%s", i ? "\n" : "", f->warnings[i]);
	return buf_detach(&b);
}

void
cycle_print_events(struct store *s, int64_t since, const char *zone, FILE *out)
{
	sqlite3_stmt *q = store_q(s, "SELECT e.at, coalesce(b.ref, ''), coalesce(e.session_id, "
	    "b.session_id, ''), e.cause, e.what, coalesce(e.before, ''), coalesce(e.after, ''), "
	    "coalesce(e.detail, ''), coalesce(b.email, '') FROM events e LEFT JOIN bookings b "
	    "ON b.id = e.booking_id WHERE e.id > ? ORDER BY e.id", "i", since);

	while (store_step(s, q) > 0) {
		char at[32];
		const char *ref = store_col_text(q, 1), *before = store_col_text(q, 5);

		days_format_iso(sqlite3_column_int64(q, 0), zone, at);
		fprintf(out, "  %s  %-10s %-22s %s", at, *ref ? ref : "-", store_col_text(q, 2),
		    store_col_text(q, 4));
		if (*before)
			fprintf(out, " %s ->", before);
		if (*store_col_text(q, 6))
			fprintf(out, " %s", store_col_text(q, 6));
		if (*store_col_text(q, 8))
			fprintf(out, " (%s)", store_col_text(q, 8));
		if (*store_col_text(q, 7))
			fprintf(out, ": %s", store_col_text(q, 7));
		fprintf(out, " [%s]\n", store_col_text(q, 3));
	}
}

static int64_t
cycle_last_event(struct store *s)
{
	return store_int(s, 0, "SELECT max(id) FROM events", "");
}

static int64_t
cycle_last_message(struct store *s)
{
	return store_int(s, 0, "SELECT max(id) FROM outbox", "");
}

/* For --dry-run: the messages a rolled-back transaction would have queued. */
static void
cycle_print_outbox(struct store *s, int64_t since, FILE *out)
{
	sqlite3_stmt *q = store_q(s, "SELECT o.kind, o.rcpt, coalesce(b.ref, '-') FROM outbox o "
	    "LEFT JOIN bookings b ON b.id = o.booking_id WHERE o.id > ? ORDER BY o.id", "i",
	    since);

	while (store_step(s, q) > 0)
		fprintf(out, "  would send %s %s to %s\n", store_col_text(q, 2),
		    store_col_text(q, 0), store_col_text(q, 1));
}

void
cycle_set_result(struct store *s, const char *name, time_t now, const char *result,
    const char *error, int ok)
{
	store_begin(s);
	store_exec(s, "UPDATE sources SET last_poll = ?, result = ?, error = ?, "
	    "last_ok = CASE WHEN ? THEN ? ELSE last_ok END WHERE name = ?", "ittdit",
	    (int64_t)now, result, error, ok, (int64_t)now, name);
	store_commit(s);
}

/*
 * Parse and apply a body inside one transaction. On success the body's validators become
 * the source's last good state; on quarantine the body is kept for `source accept`.
 */
static int
cycle_apply(struct store *s, const struct config *c, const struct config_source *src,
    const char *body, size_t len, const char *hash, const char *etag, const char *lastmod,
    time_t now, int force, int dry_run, FILE *out)
{
	struct feed f;
	struct ingest_counts n;
	enum ingest_outcome o;
	char err[ERR_MAX], summary[256], *warnings;
	int64_t since, since_msg;

	feed_init(&f);
	if (cycle_parse(c, src, body, len, &f, err) < 0) {
		char *msg = xstrdup(err);	/* not the URL: it may hold a token */

		if (out)
			fprintf(out, "source %s: failed: %s\n", src->name, msg);
		else
			log_warnx("source %s: %s; keeping the last good state", src->name, msg);
		if (!dry_run)
			cycle_set_result(s, src->name, now, "failed", msg, 0);
		free(msg);
		feed_release(&f);
		return 0;
	}
	if (f.nsessions == 0 && f.nbookings == 0 && f.nwarnings == 0)
		feed_warn(&f, "the source lists no sessions and no bookings");
	if (store_begin(s) < 0) {
		feed_release(&f);
		return -1;
	}
	since = cycle_last_event(s);
	since_msg = cycle_last_message(s);
	o = ingest_feed(s, c, src, &f, now, force, &n);
	warnings = cycle_join_warnings(&f);
	if (o == INGEST_APPLIED) {
		/*
		 * Bookings skipped for a session not known yet must be tried again on the next
		 * poll even if the body stays the same: then forget the validators.
		 */
		int keep = n.skipped == 0;

		ingest_summary(&n, summary, sizeof(summary));
		store_exec(s, "UPDATE sources SET etag = ?, last_modified = ?, body_hash = ?, "
		    "last_poll = ?, last_ok = ?, result = 'changed', error = NULL, warnings = ?, "
		    "quarantine_body = NULL, quarantine_hash = NULL, quarantine_etag = NULL, "
		    "quarantine_last_modified = NULL WHERE name = ?", "tttiitt",
		    keep ? etag : NULL, keep ? lastmod : NULL, keep ? hash : NULL, (int64_t)now,
		    (int64_t)now, warnings, src->name);
		if (out) {
			fprintf(out, "source %s: %s%s\n", src->name, summary,
			    f.nwarnings ? "; warnings:" : "");
			for (size_t i = 0; i < f.nwarnings; i++)
				fprintf(out, "  warning: %s\n", f.warnings[i]);
		} else {
			log_info("source %s: %s", src->name, summary);
		}
	} else if (o == INGEST_QUARANTINED) {
		char *msg = xasprintf("quarantined: this poll would drop %d of %d open bookings "
		    "(max_drop is %d%%); check the source, then run `noshowctl source accept %s`",
		    n.dropped, n.known, c->policy.max_drop / 100, src->name);
		sqlite3_stmt *q = store_q(s, "UPDATE sources SET last_poll = ?, "
		    "result = 'quarantined', error = ?, quarantine_body = ?, quarantine_hash = ?, "
		    "quarantine_etag = ?, quarantine_last_modified = ? WHERE name = ?", "ititttt",
		    (int64_t)now, msg, (int64_t)0, hash, etag, lastmod, src->name);

		if (q != NULL && sqlite3_bind_blob(q, 3, body, (int)len, SQLITE_TRANSIENT) ==
		    SQLITE_OK)
			store_step(s, q);
		if (out)
			fprintf(out, "source %s: %s\n", src->name, msg);
		else
			log_warnx("source %s: %s", src->name, msg);
		free(msg);
	}
	if (dry_run) {
		if (out) {
			cycle_print_events(s, since, c->timezone, out);
			cycle_print_outbox(s, since_msg, out);
		}
		store_rollback(s);
	} else if (store_commit(s) < 0) {
		o = INGEST_FAILED;
	}
	free(warnings);
	feed_release(&f);
	return o == INGEST_FAILED ? -1 : 0;
}

int
cycle_poll_local(const struct config_source *src)
{
	return (src->type == SOURCE_PAYMENTS_CSV || src->type == SOURCE_ATTENDANCE_CSV) &&
	    exportsource_is_glob(src->url);
}

int
cycle_poll_prev(struct store *s, const struct config_source *src, int dry_run,
    struct cycle_prev *p)
{
	sqlite3_stmt *q;

	memset(p, 0, sizeof(*p));
	if (!dry_run)
		store_exec(s, "INSERT OR IGNORE INTO sources (name) VALUES (?)", "t", src->name);
	q = store_q(s, "SELECT etag, last_modified, body_hash FROM sources WHERE name = ?", "t",
	    src->name);
	if (store_step(s, q) > 0) {
		p->etag = store_col_dup(q, 0);
		p->last_modified = store_col_dup(q, 1);
		p->body_hash = store_col_dup(q, 2);
		sqlite3_reset(q);
	}
	p->v.etag = p->etag;
	p->v.last_modified = p->last_modified;
	p->v.body_hash = p->body_hash;
	return s->failed ? -1 : 0;
}

void
cycle_prev_release(struct cycle_prev *p)
{
	free(p->etag), free(p->last_modified), free(p->body_hash);
	memset(p, 0, sizeof(*p));
}

int
cycle_poll_apply(struct store *s, const struct config *c, const struct config_source *src,
    const struct fetch_result *r, time_t now, int dry_run, FILE *out)
{
	char *qhash;
	int rc = 0;

	if (src->type == SOURCE_PAYMENTS_CSV || src->type == SOURCE_ATTENDANCE_CSV)
		return exportsource_poll(s, c, src, r, now, dry_run, out);
	switch (r->status) {
	case FETCH_FAILED:
		if (out)
			fprintf(out, "source %s: failed: %s\n", src->name, r->err);
		else
			log_warnx("source %s: %s; keeping the last good state", src->name,
			    r->err);
		if (!dry_run)
			cycle_set_result(s, src->name, now, "failed", r->err, 0);
		break;
	case FETCH_UNCHANGED:
		if (out)
			fprintf(out, "source %s: unchanged\n", src->name);
		/*
		 * Back at the last good state: a quarantined poll is no longer pending. The
		 * validators are kept, so that a body that was unchanged by its hash is asked
		 * for conditionally next time.
		 */
		if (!dry_run) {
			cycle_set_result(s, src->name, now, "unchanged", NULL, 1);
			store_exec(s, "UPDATE sources SET etag = ?, last_modified = ?, "
			    "quarantine_body = NULL, quarantine_hash = NULL, quarantine_etag = NULL, "
			    "quarantine_last_modified = NULL WHERE name = ?", "ttt", r->etag,
			    r->last_modified, src->name);
		}
		break;
	case FETCH_CHANGED:
		/* Read now, not when the fetch began: `source accept` may have run meanwhile. */
		qhash = store_text(s, "SELECT quarantine_hash FROM sources WHERE name = ?", "t",
		    src->name);
		if (qhash != NULL && strcmp(qhash, r->hash) == 0) {
			if (out)
				fprintf(out, "source %s: still quarantined (same body)\n",
				    src->name);
			if (!dry_run) {
				store_exec(s, "UPDATE sources SET last_poll = ? WHERE name = ?",
				    "it", (int64_t)now, src->name);
			}
		} else {
			rc = cycle_apply(s, c, src, r->body, r->len, r->hash, r->etag,
			    r->last_modified, now, 0, dry_run, out);
		}
		free(qhash);
		break;
	}
	return s->failed ? -1 : rc;
}

int
cycle_poll(struct store *s, const struct config *c, const struct config_source *src,
    time_t now, int dry_run, FILE *out)
{
	struct cycle_prev p;
	struct fetch_result r;
	int rc;

	if (cycle_poll_local(src))
		return exportsource_poll(s, c, src, NULL, now, dry_run, out);
	if (cycle_poll_prev(s, src, dry_run, &p) < 0) {
		cycle_prev_release(&p);
		return -1;
	}
	memset(&r, 0, sizeof(r));
	fetch_get(src->url, &p.v, (long)src->timeout, (size_t)src->max_size, &r);
	rc = cycle_poll_apply(s, c, src, &r, now, dry_run, out);
	fetch_result_release(&r);
	cycle_prev_release(&p);
	return rc;
}

int
cycle_accept(struct store *s, const struct config *c, const char *name, time_t now,
    FILE *out, char err[])
{
	const struct config_source *src = config_source_find(c, name);
	sqlite3_stmt *q;
	char *body = NULL, *hash = NULL, *etag = NULL, *lastmod = NULL;
	size_t len = 0;
	int rc;

	if (src == NULL)
		return errf(err, "source \"%s\" is not in the configuration", name);
	q = store_q(s, "SELECT quarantine_body, quarantine_hash, quarantine_etag, "
	    "quarantine_last_modified FROM sources WHERE name = ? AND quarantine_body IS NOT "
	    "NULL", "t", name);
	if (store_step(s, q) <= 0)
		return errf(err, "source \"%s\" has no quarantined poll to accept", name);
	len = (size_t)sqlite3_column_bytes(q, 0);
	body = xstrndup(sqlite3_column_blob(q, 0), len);
	hash = store_col_dup(q, 1);
	etag = store_col_dup(q, 2);
	lastmod = store_col_dup(q, 3);
	sqlite3_reset(q);
	rc = cycle_apply(s, c, src, body, len, hash, etag, lastmod, now, 1, 0, out);
	free(body), free(hash), free(etag), free(lastmod);
	if (rc < 0)
		return errf(err, "accepting %s failed: %s", name, s->error);
	return 0;
}

int
cycle_sessions(struct store *s, const struct config *c, time_t now, int dry_run, FILE *out)
{
	int64_t since, since_msg;

	if (store_begin(s) < 0)
		return -1;
	since = cycle_last_event(s);
	since_msg = cycle_last_message(s);
	ingest_config_sessions(s, c, now);
	if (dry_run) {
		if (out) {
			cycle_print_events(s, since, c->timezone, out);
			cycle_print_outbox(s, since_msg, out);
		}
		store_rollback(s);
		return 0;
	}
	return store_commit(s);
}

int
cycle_tick(struct store *s, const struct config *c, time_t now, int dry_run, FILE *out)
{
	int64_t since, since_msg;
	int n;

	if (store_begin(s) < 0)
		return -1;
	since = cycle_last_event(s);
	since_msg = cycle_last_message(s);
	n = duties_run(s, c, now, 0);
	if (n >= 0 && digest_run(s, c, now) < 0)
		n = -1;
	if (dry_run) {
		if (out) {
			cycle_print_events(s, since, c->timezone, out);
			cycle_print_outbox(s, since_msg, out);
		}
		store_rollback(s);
		return 0;
	}
	if (n < 0 || store_commit(s) < 0)
		return -1;
	if (n > 0 && out)
		fprintf(out, "policy: %d action%s\n", n, n == 1 ? "" : "s");
	return 0;
}

int
cycle_clock_check(struct store *s, const struct config *c, time_t now, char err[])
{
	char *last = store_meta_get(s, "last_cycle");
	time_t prev = last ? (time_t)strtoll(last, NULL, 10) : 0;

	free(last);
	if (prev != 0 && now + CYCLE_CLOCK_SLACK < prev) {
		char a[32], b[32];

		days_format_iso(now, c->timezone, a);
		days_format_iso(prev, c->timezone, b);
		return errf(err, "the clock (%s) is before the last cycle (%s); refusing to run "
		    "so that nothing is decided twice or undone", a, b);
	}
	return 0;
}

int
cycle_clock_record(struct store *s, time_t now)
{
	char *last = store_meta_get(s, "last_cycle"), stamp[32];
	time_t prev = last ? (time_t)strtoll(last, NULL, 10) : 0;

	free(last);
	if (now <= prev)
		return 0;
	snprintf(stamp, sizeof(stamp), "%lld", (long long)now);
	store_begin(s);
	store_meta_set(s, "last_cycle", stamp);
	return store_commit(s);
}

int
cycle_run(struct store *s, const struct config *c, time_t now, int dry_run, FILE *out,
    char err[])
{
	int n;

	if (cycle_clock_check(s, c, now, err) < 0)
		return -1;
	if (cycle_sessions(s, c, now, dry_run, out) < 0)
		return errf(err, "%s", s->error);
	for (size_t i = 0; i < c->nsources; i++)
		if (cycle_poll(s, c, &c->sources[i], now, dry_run, out) < 0)
			return errf(err, "%s", s->error);
	if (cycle_tick(s, c, now, dry_run, out) < 0)
		return errf(err, "%s", s->error);
	if (dry_run)
		return 0;
	if (outbox_send(s, c, now, out, NULL, NULL) < 0)
		return errf(err, "%s", s->error);
	/*
	 * After sending: a report may be about a message of this very cycle. A report that
	 * moves a dunning step (its term now runs, or it waits) is acted on in this cycle.
	 */
	if ((n = bounces_collect(s, c, now, out)) < 0)
		return errf(err, "%s", s->error);
	if (n > 0 && cycle_tick(s, c, now, 0, out) < 0)
		return errf(err, "%s", s->error);
	if (cycle_clock_record(s, now) < 0)
		return errf(err, "%s", s->error);
	evidence_checkpoint_due(s, c, now);
	return 0;
}
