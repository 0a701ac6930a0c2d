#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "direct.h"
#include "dkim.h"
#include "evidence.h"
#include "log.h"
#include "maildir.h"
#include "outbox.h"
#include "smtp.h"
#include "util.h"

int64_t
outbox_put(struct store *s, const struct outbox_item *m, time_t now)
{
	char hash[65];
	sqlite3_stmt *q;
	int64_t id;

	sha256_hex(m->data, m->len, hash);
	q = store_q(s, "INSERT INTO outbox (booking_id, kind, language, template, message_id, "
	    "env_from, rcpt, hash, state, next_attempt, created, template_hash, figures) VALUES "
	    "(?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?, ?, ?)", "ntttttttiitt", m->kind,
	    m->language, m->template_name, m->message_id, m->env_from, m->rcpt, hash,
	    (int64_t)now, (int64_t)now, m->template_hash, m->figures);
	if (q == NULL)
		return -1;
	if (m->booking_id > 0 && sqlite3_bind_int64(q, 1, m->booking_id) != SQLITE_OK) {
		s->failed = 1;
		snprintf(s->error, sizeof(s->error), "outbox: cannot bind the booking");
		return -1;
	}
	if (store_step(s, q) < 0)
		return -1;
	id = sqlite3_last_insert_rowid(s->db);
	q = store_q(s, "INSERT INTO outbox_data (outbox_id, data) VALUES (?, ?)", "in", id);
	if (q == NULL || sqlite3_bind_blob(q, 2, m->data, (int)m->len, SQLITE_TRANSIENT) !=
	    SQLITE_OK) {
		s->failed = 1;
		snprintf(s->error, sizeof(s->error), "outbox: cannot bind the message");
		return -1;
	}
	return store_step(s, q) < 0 ? -1 : id;
}

int64_t
outbox_backoff(int attempts)
{
	int64_t d = OUTBOX_BACKOFF_FIRST;

	for (int i = 1; i < attempts && d < OUTBOX_BACKOFF_MAX; i++)
		d *= 2;
	return d < OUTBOX_BACKOFF_MAX ? d : OUTBOX_BACKOFF_MAX;
}

time_t
outbox_next_due(struct store *s)
{
	return (time_t)store_int(s, 0, "SELECT min(next_attempt) FROM outbox WHERE "
	    OUTBOX_UNSENT, "");
}

int
outbox_read_password(const char *path, char *out, size_t len, char err[])
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return errf(err, "cannot read the password file %s: %s", path, strerror(errno));
	if (fgets(out, (int)len, f) == NULL)
		out[0] = '\0';
	fclose(f);
	n = strlen(out);
	while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r'))
		out[--n] = '\0';
	if (n == 0)
		return errf(err, "the password file %s is empty", path);
	return 0;
}

struct outbox_sender {
	const struct config *c;
	struct smtp_session *smtp;
	struct direct *direct;	/* mail.delivery = "direct": to each recipient's MX */
	char password[512];
	int ready;		/* transport set up (or failed to: see err) */
	char err[ERR_MAX];
	time_t now;
	struct dkim_key dkim;
	int dkim_loaded;	/* 1: dkim holds the key; -1: it cannot be read (dkim_err) */
	char dkim_err[ERR_MAX];
};

static int
outbox_sender_open(struct outbox_sender *tx)
{
	const struct config_mail *m = &tx->c->mail;
	struct smtp_options o;
	const char *at;

	tx->ready = 1;
	if (strcmp(m->transport, "smtp") != 0)
		return 0;
	/* Greet with the sender's domain: some servers refuse a host name that is no FQDN. */
	at = strrchr(m->from, '@');
	if (strcmp(m->delivery, "direct") == 0) {
		tx->direct = direct_open(at != NULL ? at + 1 : NULL, (long)m->timeout, m->dsn);
		return 0;
	}
	memset(&o, 0, sizeof(o));
	if (m->password_file != NULL && outbox_read_password(m->password_file, tx->password,
	    sizeof(tx->password), tx->err) < 0)
		return -1;
	o.url = m->url;
	o.starttls = m->starttls;
	o.username = m->username;
	o.password = m->password_file ? tx->password : NULL;
	o.ca_file = m->ca_file;
	o.timeout = (long)m->timeout;
	o.dsn = m->dsn;
	if (at != NULL)
		o.helo = at + 1;
	tx->smtp = smtp_open(&o);
	return 0;
}

static void
outbox_sender_close(struct outbox_sender *tx)
{
	if (tx->smtp != NULL)
		smtp_close(tx->smtp);
	direct_close(tx->direct);
	explicit_bzero(tx->password, sizeof(tx->password));
	dkim_key_release(&tx->dkim);
}

/* Hand one message to the transport; the answer goes in r. */
static void
outbox_transmit(struct outbox_sender *tx, const char *from, const char *rcpt,
    const char *message_id, const char *data, size_t len, struct smtp_report *r)
{
	memset(r, 0, sizeof(*r));
	if (!tx->ready && outbox_sender_open(tx) < 0) {
		r->outcome = SMTP_TEMPFAIL;
		snprintf(r->err, sizeof(r->err), "%s", tx->err);
		return;
	}
	if (tx->err[0] != '\0') {
		r->outcome = SMTP_TEMPFAIL;
		snprintf(r->err, sizeof(r->err), "%s", tx->err);
		return;
	}
	if (tx->smtp != NULL) {
		smtp_send(tx->smtp, from, rcpt, message_id, data, len, r);
		return;
	}
	if (tx->direct != NULL) {
		direct_send(tx->direct, from, rcpt, message_id, data, len, r);
		return;
	}
	{
		char path[PATH_MAX], err[ERR_MAX];

		if (maildir_deliver(tx->c->mail.maildir, data, len, 0, path, err) < 0) {
			r->outcome = SMTP_TEMPFAIL;
			snprintf(r->err, sizeof(r->err), "%s", err);
		} else {
			r->outcome = SMTP_SENT;
			snprintf(r->reply, sizeof(r->reply), "delivered to %.480s", path);
		}
	}
}

/*
 * Claim up to max due messages in one transaction: they are ours until the lease runs
 * out. Returns how many were claimed (their ids in ids), or -1.
 */
static int
outbox_claim(struct store *s, time_t now, int64_t *ids, int max)
{
	sqlite3_stmt *q;
	int n = 0;

	if (store_begin(s) < 0)
		return -1;
	q = store_q(s, "SELECT id FROM outbox WHERE " OUTBOX_UNSENT " AND next_attempt <= ? "
	    "ORDER BY next_attempt, id LIMIT ?", "id", (int64_t)now, max);
	while (n < max && store_step(s, q) > 0)
		ids[n++] = sqlite3_column_int64(q, 0);
	if (n < max)
		sqlite3_reset(q);
	for (int i = 0; i < n; i++)
		store_exec(s, "UPDATE outbox SET state = 'sending', attempts = attempts + 1, "
		    "next_attempt = ? WHERE id = ?", "ii", (int64_t)now + OUTBOX_LEASE, ids[i]);
	if (store_commit(s) < 0)
		return -1;
	return n;
}

/* One claimed message, as sent. */
struct outbox_job {
	int64_t id;
	int attempts;
	time_t created;
	char *rcpt, *kind, *ref, *from, *message_id, *data;
	size_t len;
	int answered;		/* r holds why it was not handed to the transport */
	int kept;		/* its bytes are in the evidence directory */
	int gave_up;		/* a temporary failure too many: failed, not deferred */
	int64_t at_ms;		/* when the transport answered */
	struct smtp_report r;
};

static int
outbox_direct(const struct config *c)
{
	return strcmp(c->mail.transport, "smtp") == 0 && strcmp(c->mail.delivery, "direct") == 0;
}

static void
outbox_record(struct store *s, const struct config *c, struct outbox_job *j, time_t now)
{
	const struct smtp_report *r = &j->r;
	const char *state;
	time_t next = now;
	char err[ERR_MAX];

	snprintf(err, sizeof(err), "%s", r->err);
	switch (r->outcome) {
	case SMTP_SENT:
		state = "sent";
		break;
	case SMTP_PERMFAIL:
		state = "failed";
		break;
	default:
		if (now - j->created >= OUTBOX_GIVE_UP) {
			state = "failed";
			j->gave_up = 1;
			snprintf(err, sizeof(err), "gave up after 5 days of temporary failures: "
			    "%.400s", r->err);
		} else {
			state = "deferred";
			next = now + outbox_backoff(j->attempts);
		}
		break;
	}
	store_exec(s, "UPDATE outbox SET state = ?, next_attempt = ?, last_code = ?, "
	    "last_reply = ?, last_error = ?, sent_at = CASE WHEN ? = 'sent' THEN ? ELSE "
	    "sent_at END WHERE id = ?", "tidtttii", state, (int64_t)next, r->code, r->reply,
	    err[0] ? err : NULL, state, (int64_t)now, j->id);
	/*
	 * Every answer is evidence, a refusal and a failure too. Delivered directly, the
	 * server is the recipient's MX that answered (none when its DNS lookup failed).
	 */
	if (j->kept && outbox_direct(c))
		evidence_record_send(s, j->id, "direct", r->server[0] ? r->server : NULL, r,
		    j->at_ms);
	else if (j->kept)
		evidence_record_send(s, j->id, c->mail.transport, strcmp(c->mail.transport,
		    "smtp") == 0 ? c->mail.url : c->mail.maildir, r, j->at_ms);
}

/*
 * Sign a message with DKIM before its first bytes go out, and store the signed bytes in
 * their place (a short transaction of its own), so that every attempt after this one sends
 * exactly them. A message already signed, or whose bytes were kept as evidence before
 * (they may have reached the server unsigned, when DKIM was switched on later), is left as
 * it is: a message is never sent in two versions. The key is read once a round, by the
 * sender, because it may be readable only by the service. 0 (signed, or nothing to do;
 * *data and *len may be replaced), or -1 with err.
 */
static int
outbox_dkim(struct store *s, struct outbox_sender *tx, int64_t id, int signed_already,
    char **data, size_t *len, char err[ERR_MAX])
{
	const struct config_mail *m = &tx->c->mail;
	char hash[65], *kept, serr[ERR_MAX];
	struct buf out, info;
	sqlite3_stmt *q;
	int seen;

	if (m->dkim_key_file == NULL || signed_already)
		return 0;
	sha256_hex(*data, *len, hash);
	kept = evidence_message_path(tx->c->evidence_dir, hash);
	seen = access(kept, F_OK) == 0;
	free(kept);
	if (seen)
		return 0;
	if (tx->dkim_loaded == 0)
		tx->dkim_loaded = dkim_key_load(m->dkim_key_file, &tx->dkim, tx->dkim_err) < 0 ?
		    -1 : 1;
	if (tx->dkim_loaded < 0)
		return errf(err, "not sent: cannot sign it: %s; or remove mail.dkim to send "
		    "unsigned", tx->dkim_err);
	buf_init(&out), buf_init(&info);
	if (dkim_sign_message(&tx->dkim, m->dkim_selector, m->dkim_domain, *data, *len,
	    (time_t)(evidence_clock_ms(tx->now) / 1000), &out, &info, serr) < 0) {
		buf_release(&out), buf_release(&info);
		return errf(err, "not sent: %s", serr);
	}
	sha256_hex(out.data, out.len, hash);
	if (store_begin(s) < 0 ||
	    (q = store_q(s, "UPDATE outbox_data SET data = ? WHERE outbox_id = ?", "ni", id)) ==
	    NULL || sqlite3_bind_blob(q, 1, out.data, (int)out.len, SQLITE_TRANSIENT) !=
	    SQLITE_OK || store_step(s, q) < 0 || store_exec(s, "UPDATE outbox SET hash = ?, "
	    "dkim = ? WHERE id = ?", "tti", hash, info.data, id) < 0 || store_commit(s) < 0) {
		store_rollback(s);
		buf_release(&out), buf_release(&info);
		return errf(err, "not sent: cannot store the signed message: %s", s->error);
	}
	free(*data);
	*len = out.len;
	*data = buf_detach(&out);
	buf_release(&info);
	return 0;
}

/* A claimed message not to be handed to the transport, and why. */
static void
outbox_refuse(struct outbox_job *j, const char *why, const char *err)
{
	memset(&j->r, 0, sizeof(j->r));
	j->r.outcome = SMTP_TEMPFAIL;
	snprintf(j->r.err, sizeof(j->r.err), "%s%.400s", why, err);
	j->answered = 1;
	j->kept = 0;
}

/*
 * Load one claimed message and keep its evidence copy: fsync'd now with sync, else by the
 * caller's evidence_sync() for the whole batch, before any of it goes to the transport.
 * 0, or -1 if the store failed.
 */
static int
outbox_load(struct store *s, struct outbox_sender *tx, struct outbox_job *j, int sync)
{
	sqlite3_stmt *q = store_q(s, "SELECT o.env_from, o.rcpt, d.data, o.kind, "
	    "coalesce(b.ref, '-'), o.attempts, o.created, o.message_id, o.dkim IS NOT NULL "
	    "FROM outbox o "
	    "JOIN outbox_data d "
	    "ON d.outbox_id = o.id LEFT JOIN bookings b ON b.id = o.booking_id "
	    "WHERE o.id = ?", "i", j->id);
	char hash[65], err[ERR_MAX];
	int signed_already;

	if (store_step(s, q) <= 0)
		return -1;
	j->from = store_col_dup(q, 0);
	j->rcpt = store_col_dup(q, 1);
	j->len = (size_t)sqlite3_column_bytes(q, 2);
	j->data = xstrndup(sqlite3_column_blob(q, 2), j->len);
	j->kind = store_col_dup(q, 3);
	j->ref = store_col_dup(q, 4);
	j->attempts = sqlite3_column_int(q, 5);
	j->created = sqlite3_column_int64(q, 6);
	j->message_id = store_col_dup(q, 7);
	signed_already = sqlite3_column_int(q, 8);
	sqlite3_reset(q);
	if (outbox_dkim(s, tx, j->id, signed_already, &j->data, &j->len, err) < 0)
		outbox_refuse(j, "", err);
	/* What cannot be kept as evidence is not sent. */
	else if (evidence_put_message(tx->c->evidence_dir, j->data, j->len, sync, hash,
	    err) < 0)
		outbox_refuse(j, "not sent: cannot keep its evidence copy: ", err);
	else
		j->kept = 1;
	return 0;
}

/* Hand a loaded message whose evidence copy is durable to the transport. */
static void
outbox_deliver(struct outbox_sender *tx, struct outbox_job *j)
{
	if (!j->answered)
		outbox_transmit(tx, j->from, j->rcpt, j->message_id, j->data, j->len, &j->r);
	j->at_ms = evidence_clock_ms(tx->now);
	/*
	 * Fault injection for the tests: die between the server's acceptance and the local
	 * commit, the one window in which a message may go twice.
	 */
	if (j->r.outcome == SMTP_SENT && getenv("NOSHOWD_TEST_DIE_AFTER_SEND") != NULL)
		_exit(99);
}

/*
 * A maildir batch, loaded with its evidence copies written but not yet synced: one sync
 * makes every copy durable, then the batch is delivered, then one sync makes the
 * deliveries durable. The order per message is the same as with a sync each: its
 * evidence copy, then its delivery, then (by the caller) its record as sent.
 */
static void
outbox_deliver_batch(struct outbox_sender *tx, struct outbox_job *jobs, int n)
{
	const struct config *c = tx->c;
	char err[ERR_MAX];
	int kept = 0;

	for (int i = 0; i < n; i++)
		kept |= jobs[i].kept;
	if (kept && evidence_sync(c->evidence_dir, err) < 0)
		for (int i = 0; i < n; i++)
			if (jobs[i].kept)
				outbox_refuse(&jobs[i], "not sent: cannot keep its evidence "
				    "copy: ", err);
	for (int i = 0; i < n; i++)
		outbox_deliver(tx, &jobs[i]);
	if (maildir_sync(c->mail.maildir, err) < 0)
		for (int i = 0; i < n; i++)
			if (!jobs[i].answered) {
				jobs[i].r.outcome = SMTP_TEMPFAIL;
				snprintf(jobs[i].r.err, sizeof(jobs[i].r.err), "%s", err);
			}
}

static void
outbox_report(const struct outbox_job *j, FILE *out)
{
	const struct smtp_report *r = &j->r;

	if (out != NULL)
		fprintf(out, "mail %s %s to %s: %s%s%s%s\n", j->ref, j->kind, j->rcpt,
		    r->outcome == SMTP_SENT ? "sent" : r->outcome == SMTP_PERMFAIL || j->gave_up ?
		    "failed" : "deferred", j->gave_up ? ": gave up after 5 days" : "",
		    r->reply[0] || r->err[0] ? ": " : "", r->err[0] ? r->err : r->reply);
	else if (r->outcome != SMTP_SENT)
		log_warnx("mail %s %s to %s: %s", j->ref, j->kind, j->rcpt, r->err[0] ? r->err :
		    r->reply);
	else
		log_debug("mail %s %s to %s: sent%s%s", j->ref, j->kind, j->rcpt,
		    r->reply[0] ? ": " : "", r->reply);
}

/*
 * A maildir batch is claimed in one transaction, its evidence copies written and made
 * durable with one sync, delivered and made durable with one sync, and then recorded in one
 * transaction: a file that is not yet on disk is never called sent.
 * Over SMTP messages are claimed and recorded one at a time, so the window for a duplicate
 * is one message, and the first temporary failure ends the round: the server is likely
 * down, and trying every other message against it (each up to a timeout) would only delay
 * everything else, the watchdog included.
 */
#define OUTBOX_BATCH 64

static void
outbox_finish(struct outbox_job *j, FILE *out, int *handled)
{
	(*handled)++;
	outbox_report(j, out);
	smtp_report_release(&j->r);
	free(j->rcpt), free(j->kind), free(j->ref);
	free(j->from), free(j->message_id), free(j->data);
}

int
outbox_send(struct store *s, const struct config *c, time_t now, FILE *out,
    int (*go_on)(void *), void *arg)
{
	struct outbox_sender tx;
	int64_t ids[OUTBOX_BATCH];
	struct outbox_job *jobs = xcalloc(OUTBOX_BATCH, sizeof(*jobs));
	int handled = 0, smtp = strcmp(c->mail.transport, "smtp") == 0, stop = 0;
	int n;

	memset(&tx, 0, sizeof(tx));
	tx.c = c;
	tx.now = now;
	while (!s->failed && !stop && (go_on == NULL || go_on(arg)) &&
	    (n = outbox_claim(s, now, ids, smtp ? 1 : OUTBOX_BATCH)) > 0) {
		int done = 0;

		memset(jobs, 0, OUTBOX_BATCH * sizeof(*jobs));
		for (; done < n; done++) {
			jobs[done].id = ids[done];
			if (outbox_load(s, &tx, &jobs[done], smtp) < 0)
				break;
			if (smtp)
				outbox_deliver(&tx, &jobs[done]);
		}
		if (!smtp && done > 0)
			outbox_deliver_batch(&tx, jobs, done);
		store_begin(s);
		for (int i = 0; i < done; i++)
			outbox_record(s, c, &jobs[i], now);
		store_commit(s);
		/* Delivered directly, one domain's trouble says nothing about the next. */
		for (int i = 0; i < done; i++) {
			stop |= smtp && !outbox_direct(c) && jobs[i].r.outcome == SMTP_TEMPFAIL;
			outbox_finish(&jobs[i], out, &handled);
		}
		/* Leases of claimed messages not tried run out, and they go next time. */
		if (done < n)
			break;
	}
	outbox_sender_close(&tx);
	free(jobs);
	return s->failed ? -1 : handled;
}

/*
 * A retried message gets at least one more day of retries before the give-up rule of 5 days
 * after its creation applies again (its `created` moves forward as far as needed).
 */
int
outbox_retry(struct store *s, int64_t id, time_t now, char err[])
{
	char *state = store_text(s, "SELECT state FROM outbox WHERE id = ?", "i", id);
	int rc = 0;

	if (state == NULL)
		return errf(err, "no message %lld in the outbox", (long long)id);
	if (strcmp(state, "sent") == 0)
		rc = errf(err, "message %lld was sent already", (long long)id);
	else if (store_begin(s) < 0 || store_exec(s, "UPDATE outbox SET state = 'queued', "
	    "next_attempt = ?, created = max(created, ?) WHERE id = ?", "iii", (int64_t)now,
	    (int64_t)now - OUTBOX_GIVE_UP + 86400, id) < 0 || store_commit(s) < 0)
		rc = errf(err, "%s", s->error);
	free(state);
	return rc;
}
