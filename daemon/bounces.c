#include <curl/curl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bounces.h"
#include "evidence.h"
#include "imap.h"
#include "log.h"
#include "outbox.h"

/* What one cycle found, for its summary line. */
struct bounces_tally {
	int reports, unknown, malformed, skipped, unreadable, marked, unmarked;
};

/* One line about the mailbox: to out (noshowd --once), else to the log. */
static void
bounces_say(FILE *out, int warn, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (out != NULL)
		fprintf(out, "bounces: %s\n", line);
	else if (warn)
		log_warnx("bounces: %s", line);
	else
		log_info("bounces: %s", line);
}

const char *
bounces_event(enum dsn_action a)
{
	switch (a) {
	case DSN_DELIVERED:
	case DSN_RELAYED:	/* to a system that reports no further: as far as it goes */
	case DSN_EXPANDED:
		return "delivery";
	case DSN_DELAYED:
		return "delivery-delay";
	case DSN_FAILED:
		return "non-delivery";
	default:
		return NULL;
	}
}

const char *
bounces_next_state(const char *state, int proven, enum dsn_action a)
{
	const char *to = a == DSN_FAILED ? "failed" : a == DSN_DELAYED ? "delayed" :
	    bounces_event(a) != NULL ? "delivered" : NULL;

	if (to == NULL)
		return NULL;
	if (state == NULL || strcmp(state, "delayed") == 0)
		return to;
	/* A final word from a delivered or failed report stands. */
	if (proven)
		return NULL;
	/* "delivered" from a relay or an alias: only a final word about the address it
	   went on to replaces it. */
	return a == DSN_DELIVERED || a == DSN_FAILED ? to : NULL;
}

time_t
bounces_report_time(const char *data, size_t len, time_t sent, time_t now)
{
	const char *p = data, *end = data + len;
	time_t t = now;

	/* The Date field of the top-level header: up to the first empty line. */
	while (p < end && *p != '\r' && *p != '\n') {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n = eol ? (size_t)(eol - p) : (size_t)(end - p);

		if (n > 5 && strncasecmp(p, "Date:", 5) == 0 && n < 200) {
			char *v = xstrndup(p + 5, n - 5);
			time_t d = curl_getdate(v, NULL);

			if (d > 0)
				t = d;
			free(v);
			break;
		}
		p = eol ? eol + 1 : end;
	}
	if (t > now)
		t = now;
	return t < sent ? sent : t;
}

/* The message a report names, for a log line. */
static const char *
bounces_about(const struct dsn_report *r)
{
	return r->envid ? r->envid : r->original_message_id ? r->original_message_id :
	    "an unnamed message";
}

/* The outbox row a recipient's report is about, or 0. */
static int64_t
bounces_link(struct store *s, const struct dsn_report *r, const struct dsn_recipient *rc)
{
	const char *mids[2] = { r->envid, r->original_message_id };
	const char *addrs[2] = { rc->original_recipient, rc->final_recipient };

	for (int i = 0; i < 2; i++)
		for (int j = 0; j < 2; j++) {
			int64_t id;

			if (mids[i] == NULL || addrs[j] == NULL)
				continue;
			id = store_int(s, 0, "SELECT id FROM outbox WHERE message_id = ? AND "
			    "lower(rcpt) = lower(?)", "tt", mids[i], addrs[j]);
			if (id > 0)
				return id;
		}
	return 0;
}

/* Where the report was read, for the record. */
struct bounces_source {
	const char *url;		/* without credentials */
	uint32_t uid;
	const char *data;
	size_t len;
	char hash[65];			/* kept as evidence: "" until it is */
};

/*
 * Record one recipient's report about outbox row id: the evidence record, the delivery
 * state of the message, an event on the booking, and a dunning step to look at again.
 * 1 when recorded, 0 when it was recorded before, -1 if the store failed.
 */
static int
bounces_record(struct store *s, int64_t id,
    const struct dsn_report *r, const struct dsn_recipient *rc,
    const struct bounces_source *src, time_t now, FILE *out)
{
	sqlite3_stmt *q = store_q(s, "SELECT coalesce(o.booking_id, 0), b.ref, o.kind, "
	    "o.message_id, o.rcpt, coalesce(o.sent_at, o.created), coalesce(b.dunning_outbox, 0) "
	    "FROM outbox o LEFT JOIN bookings b ON b.id = o.booking_id WHERE o.id = ?", "i", id);
	const char *event = bounces_event(rc->action), *action = dsn_action_name(rc->action);
	char *ref = NULL, *kind = NULL, *mid = NULL, *rcpt = NULL, *detail, *state;
	const char *next;
	int64_t booking_id, seq, dunning;
	int proven;
	time_t sent, at;
	struct buf f;

	if (store_step(s, q) <= 0)
		return -1;
	booking_id = sqlite3_column_int64(q, 0);
	ref = store_col_dup(q, 1);
	kind = store_col_dup(q, 2);
	mid = store_col_dup(q, 3);
	rcpt = store_col_dup(q, 4);
	sent = (time_t)sqlite3_column_int64(q, 5);
	dunning = sqlite3_column_int64(q, 6);
	sqlite3_reset(q);
	if (store_int(s, 0, "SELECT count(*) FROM deliveries WHERE outbox_id = ? AND "
	    "report_sha256 = ? AND rcpt = ?", "itt", id, src->hash, rcpt) > 0) {
		free(ref), free(kind), free(mid), free(rcpt);
		return 0;
	}
	at = bounces_report_time(src->data, src->len, sent, now);
	buf_init(&f);
	evidence_field_str(&f, "ref", ref);
	evidence_field_str(&f, "kind", kind);
	evidence_field_str(&f, "message_id", mid);
	evidence_field_str(&f, "rcpt", rcpt);
	evidence_field_str(&f, "action", action);
	evidence_field_str(&f, "status", rc->status[0] ? rc->status : NULL);
	evidence_field_str(&f, "reporting_mta", r->reporting_mta);
	evidence_field_str(&f, "remote_mta", rc->remote_mta);
	evidence_field_str(&f, "diagnostic", rc->diagnostic);
	evidence_field_str(&f, "report_sha256", src->hash);
	evidence_field_int(&f, "report_size", (int64_t)src->len);
	evidence_field_str(&f, "mailbox", src->url);
	evidence_field_int(&f, "uid", src->uid);
	seq = evidence_append(s, evidence_clock_ms(now), event, booking_id, id, f.data);
	buf_release(&f);
	state = store_text(s, "SELECT delivery FROM outbox WHERE id = ?", "i", id);
	proven = store_int(s, 0, "SELECT count(*) FROM deliveries WHERE outbox_id = ? AND "
	    "action IN ('delivered', 'failed')", "i", id) > 0;
	if ((next = bounces_next_state(state, proven, rc->action)) != NULL)
		store_exec(s, "UPDATE outbox SET delivery = ?, delivery_at = ?, delivery_status = ?, "
		    "delivery_diagnostic = ? WHERE id = ?", "titti", next, (int64_t)at,
		    rc->status[0] ? rc->status : NULL, rc->diagnostic, id);
	free(state);
	store_exec(s, "INSERT INTO deliveries (outbox_id, report_sha256, rcpt, action, status, "
	    "at, evidence_seq) VALUES (?, ?, ?, ?, ?, ?, ?)", "ittttii", id, src->hash, rcpt,
	    action, rc->status[0] ? rc->status : NULL, (int64_t)at, seq);
	detail = xasprintf("%s to %s%s%s%s%s%.200s", kind, rcpt, rc->status[0] ? " (" : "",
	    rc->status, rc->status[0] ? ")" : "", rc->diagnostic ? ": " : "",
	    rc->diagnostic ? rc->diagnostic : "");
	if (booking_id > 0)
		store_event(s, now, booking_id, NULL, "delivery report", event, NULL, NULL, detail);
	/* The ladder's step: its term starts at delivery, or it waits for the trainer. */
	if (dunning == id)
		store_exec(s, "UPDATE bookings SET due_at = 0 WHERE id = ?", "i", booking_id);
	bounces_say(out, strcmp(event, "non-delivery") == 0, "%s %s %s", ref ? ref : "-", event,
	    detail);
	free(detail), free(ref), free(kind), free(mid), free(rcpt);
	return s->failed ? -1 : 1;
}

/*
 * Take one message of the mailbox (in the caller's transaction): 1 when it is a report about
 * a message noshowd sent (recorded now or before), 0 when it is not, -1 only when it must be
 * read again: the store failed or its bytes could not be kept.
 */
static int
bounces_take(struct store *s, const struct config *c, struct bounces_source *src, time_t now,
    FILE *out, struct bounces_tally *t)
{
	struct dsn_report r;
	char err[ERR_MAX];
	int rc, linked = 0, outcomeless = 0;

	memset(&r, 0, sizeof(r));
	rc = dsn_parse(src->data, src->len, &r, err);
	if (rc == 1)
		return 0;	/* not a report: left alone */
	if (rc < 0) {
		bounces_say(out, 1, "message UID %" PRIu32 ": a malformed delivery report, "
		    "skipped: %s", src->uid, err);
		t->malformed++;
		dsn_report_free(&r);
		return 0;
	}
	for (size_t i = 0; i < r.nrcpts && rc >= 0; i++) {
		const struct dsn_recipient *rcp = &r.rcpts[i];
		int64_t id = bounces_link(s, &r, rcp);

		if (id == 0)
			continue;
		if (bounces_event(rcp->action) == NULL) {
			bounces_say(out, 1, "message UID %" PRIu32 ": the delivery report about "
			    "%s names no outcome for %s (action %s): nothing recorded", src->uid,
			    bounces_about(&r), rcp->final_recipient, dsn_action_name(rcp->action));
			outcomeless++;
			continue;
		}
		if (src->hash[0] == '\0' && evidence_keep_message(c->evidence_dir, src->data,
		    src->len, src->hash, err) < 0) {
			bounces_say(out, 1, "message UID %" PRIu32 ": cannot keep the report: %s",
			    src->uid, err);
			rc = -1;
			break;
		}
		if ((rc = bounces_record(s, id, &r, rcp, src, now, out)) > 0)
			t->reports++;
		linked++;
	}
	if (rc >= 0 && linked == 0 && outcomeless == 0) {
		bounces_say(out, 1, "message UID %" PRIu32 ": a delivery report about %s, which "
		    "noshowd did not send to its recipient: ignored", src->uid, bounces_about(&r));
		t->unknown++;
	}
	dsn_report_free(&r);
	return rc < 0 ? -1 : linked > 0;
}

static void
bounces_result(struct store *s, const char *url, time_t now, const char *error)
{
	store_begin(s);
	store_exec(s, "UPDATE bounce_mailbox SET last_poll = ?, result = ?, error = ?, "
	    "last_ok = CASE WHEN ? IS NULL THEN ? ELSE last_ok END WHERE url = ?", "itttit",
	    (int64_t)now, error ? "failed" : "ok", error, error, (int64_t)now, url);
	store_commit(s);
}

/*
 * Mark a report that has been recorded, for a person who reads the mailbox: a keyword, not
 * \Seen, so that a report still shows as new to the trainer (a bounce is news) and a mail
 * client's own idea of what was read is left alone. Only after the record is committed: a
 * marked report has always been recorded. A server that cannot keep the keyword (its
 * PERMANENTFLAGS, or a read-only mailbox) gets nothing, and that is said once a process;
 * a refused STORE is said once a cycle. Neither stops the collection: the UID in the store
 * is what keeps a report from being read twice.
 */
static void
bounces_mark(struct imap_session *imap, uint32_t uid, FILE *out, struct bounces_tally *t)
{
	static int said_cannot;
	char err[ERR_MAX];

	if (!imap_can_flag(imap, BOUNCES_KEYWORD)) {
		if (!said_cannot)
			bounces_say(out, 1, "the mailbox %s cannot keep the keyword %s (it is "
			    "read-only or its PERMANENTFLAGS do not allow it): reports are not "
			    "marked", imap_mailbox(imap), BOUNCES_KEYWORD);
		said_cannot = 1;
		return;
	}
	if (imap_add_keyword(imap, uid, BOUNCES_KEYWORD, err) < 0) {
		if (t->unmarked++ == 0)
			bounces_say(out, 1, "message UID %" PRIu32 " is recorded but not marked "
			    "%s: %s", uid, BOUNCES_KEYWORD, err);
		return;
	}
	t->marked++;
}

/* The cycles in which fetching message uid failed, so far. */
static int
bounces_fetch_failures(struct store *s, const char *url, uint32_t uid)
{
	return (int)store_int(s, 0, "SELECT failures FROM bounce_mailbox WHERE url = ? AND "
	    "failed_uid = ?", "ti", url, (int64_t)uid);
}

/* Count one more failed fetch of message uid; returns the count. */
static int
bounces_fetch_failed(struct store *s, const char *url, uint32_t uid)
{
	int n = bounces_fetch_failures(s, url, uid) + 1;

	if (store_begin(s) == 0) {
		store_exec(s, "UPDATE bounce_mailbox SET failed_uid = ?, failures = ? WHERE url = ?",
		    "iit", (int64_t)uid, (int64_t)n, url);
		store_commit(s);
	}
	return n;
}

/* Read the messages after the last one read; 0, or -1 with err (the mailbox failed). */
static int
bounces_read(struct store *s, const struct config *c, struct imap_session *imap,
    const char *url, uint32_t uidvalidity, time_t now, FILE *out, struct bounces_tally *t,
    char err[ERR_MAX])
{
	struct imap_message *list = NULL;
	uint32_t last;
	size_t n = 0;
	int rc = 0, before, ours = 0;

	/* A new UIDVALIDITY numbers the mailbox anew: read it all again (deliveries dedups). */
	last = (uint32_t)store_int(s, 0, "SELECT CASE WHEN uidvalidity = ? THEN last_uid ELSE 0 "
	    "END FROM bounce_mailbox WHERE url = ?", "it", (int64_t)uidvalidity, url);
	if (imap_list_after(imap, last, &list, &n, err) < 0)
		return -1;
	for (size_t i = 0; i < n && i < BOUNCES_PER_CYCLE && rc == 0; i++) {
		struct bounces_source src = { url, list[i].uid, NULL, 0, "" };
		char *data = NULL;

		if (list[i].size > BOUNCES_SIZE_MAX) {
			bounces_say(out, 1, "message UID %" PRIu32 ": %" PRIu64 " bytes, too large "
			    "for a report: left alone", list[i].uid, list[i].size);
			t->skipped++;
		} else if (bounces_fetch_failures(s, url, list[i].uid) >= BOUNCES_FETCH_TRIES) {
			/*
			 * One message the server cannot give (a damaged file, say) must not stop
			 * every later report: after a few cycles it is passed by, and said.
			 */
			bounces_say(out, 1, "message UID %" PRIu32 " could not be fetched in %d "
			    "cycles: left alone", list[i].uid, BOUNCES_FETCH_TRIES);
			t->unreadable++;
		} else if ((rc = imap_fetch(imap, list[i].uid, &data, &src.len, err)) < 0) {
			int tries = bounces_fetch_failed(s, url, list[i].uid);
			char why[ERR_MAX];

			snprintf(why, sizeof(why), "%s", err);
			errf(err, "message UID %" PRIu32 " is read again next time (%d of %d tries): "
			    "%.300s", list[i].uid, tries, BOUNCES_FETCH_TRIES, why);
			rc = -1;
			break;
		}
		src.data = data;
		before = t->reports;
		if (store_begin(s) < 0 || (data != NULL &&
		    (ours = bounces_take(s, c, &src, now, out, t)) < 0)) {
			store_rollback(s);
			rc = errf(err, "message UID %" PRIu32 " is read again next time: %s",
			    list[i].uid, s->failed ? s->error : "its report could not be kept");
		} else {
			store_exec(s, "UPDATE bounce_mailbox SET uidvalidity = ?, last_uid = ?, "
			    "reports = reports + ?, failed_uid = 0, failures = 0 WHERE url = ?",
			    "iiit", (int64_t)uidvalidity,
			    (int64_t)list[i].uid, (int64_t)(t->reports - before), url);
			if (store_commit(s) < 0)
				rc = errf(err, "%s", s->error);
			else if (ours > 0)
				bounces_mark(imap, list[i].uid, out, t);
		}
		ours = 0;
		free(data);
	}
	free(list);
	return rc;
}

int
bounces_collect(struct store *s, const struct config *c, time_t now, FILE *out)
{
	const struct config_mail *m = &c->mail;
	struct imap_options o = { m->bounces_url, m->bounces_username, NULL, m->ca_file, 60 };
	struct bounces_tally t;
	struct imap_session *imap = NULL;
	char password[512] = "", err[ERR_MAX] = "", *url;
	uint32_t uidvalidity = 0;
	int rc;

	if (m->bounces_url == NULL)
		return 0;
	memset(&t, 0, sizeof(t));
	url = imap_url_public(m->bounces_url);
	store_begin(s);
	store_exec(s, "INSERT OR IGNORE INTO bounce_mailbox (url) VALUES (?)", "t", url);
	if (store_commit(s) < 0) {
		free(url);
		return -1;
	}
	if (m->bounces_password_file != NULL)
		o.password = password;
	rc = m->bounces_password_file != NULL && outbox_read_password(m->bounces_password_file,
	    password, sizeof(password), err) < 0 ? -1 : 0;
	if (rc == 0)
		rc = imap_open(&o, &imap, &uidvalidity, err);
	explicit_bzero(password, sizeof(password));
	if (rc == 0)
		rc = bounces_read(s, c, imap, url, uidvalidity, now, out, &t, err);
	imap_close(imap);
	if (s->failed) {
		free(url);
		return -1;
	}
	bounces_result(s, url, now, rc < 0 ? err : NULL);
	if (rc < 0)
		bounces_say(out, 1, "%s: %s", url, err);
	else if (t.reports + t.unknown + t.malformed + t.skipped + t.unreadable > 0) {
		char unreadable[32] = "";

		if (t.unreadable > 0)
			snprintf(unreadable, sizeof(unreadable), ", %d unreadable", t.unreadable);
		bounces_say(out, 0, "%d report%s recorded, %d about unknown messages, %d "
		    "malformed, %d too large%s; %d marked %s", t.reports,
		    t.reports == 1 ? "" : "s", t.unknown, t.malformed, t.skipped, unreadable,
		    t.marked, BOUNCES_KEYWORD);
	}
	else if (out != NULL)
		bounces_say(out, 0, "nothing new");
	free(url);
	return s->failed ? -1 : t.reports;
}
