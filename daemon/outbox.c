#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

	sha256_hex(m->data, m->len, hash);
	q = store_q(s, "INSERT INTO outbox (booking_id, kind, language, template, message_id, "
	    "env_from, rcpt, data, hash, state, next_attempt, created) VALUES (?, ?, ?, ?, ?, "
	    "?, ?, ?, ?, 'queued', ?, ?)", "nttttttntii", m->kind, m->language,
	    m->template_name, m->message_id, m->env_from, m->rcpt, hash, (int64_t)now,
	    (int64_t)now);
	if (q == NULL)
		return -1;
	if ((m->booking_id > 0 && sqlite3_bind_int64(q, 1, m->booking_id) != SQLITE_OK) ||
	    sqlite3_bind_blob(q, 8, m->data, (int)m->len, SQLITE_TRANSIENT) != SQLITE_OK) {
		s->failed = 1;
		snprintf(s->error, sizeof(s->error), "outbox: cannot bind the message");
		return -1;
	}
	if (store_step(s, q) < 0)
		return -1;
	return sqlite3_last_insert_rowid(s->db);
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
	return (time_t)store_int(s, 0, "SELECT min(next_attempt) FROM outbox WHERE state IN "
	    "('queued', 'sending', 'deferred')", "");
}

/* The first line of a file: where systemd's LoadCredential= puts the SMTP password. */
static int
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
	char password[512];
	int ready;		/* transport set up (or failed to: see err) */
	char err[ERR_MAX];
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
	memset(&o, 0, sizeof(o));
	if (m->password_file != NULL && outbox_read_password(m->password_file, tx->password,
	    sizeof(tx->password), tx->err) < 0)
		return -1;
	o.url = m->url;
	o.starttls = m->starttls;
	o.username = m->username;
	o.password = m->password_file ? tx->password : NULL;
	o.ca_file = m->ca_file;
	o.timeout = 60;
	/* Greet with the sender's domain: some servers refuse a host name that is no FQDN. */
	if ((at = strrchr(m->from, '@')) != NULL)
		o.helo = at + 1;
	tx->smtp = smtp_open(&o);
	return 0;
}

static void
outbox_sender_close(struct outbox_sender *tx)
{
	if (tx->smtp != NULL)
		smtp_close(tx->smtp);
	explicit_bzero(tx->password, sizeof(tx->password));
}

/* Hand one message to the transport; the answer goes in r. */
static void
outbox_transmit(struct outbox_sender *tx, const char *from, const char *rcpt,
    const char *data, size_t len, struct smtp_report *r)
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
		smtp_send(tx->smtp, from, rcpt, data, len, r);
		return;
	}
	{
		char path[PATH_MAX], err[ERR_MAX];

		if (maildir_deliver(tx->c->mail.maildir, data, len, path, err) < 0) {
			r->outcome = SMTP_TEMPFAIL;
			snprintf(r->err, sizeof(r->err), "%s", err);
		} else {
			r->outcome = SMTP_SENT;
			snprintf(r->reply, sizeof(r->reply), "delivered to %.480s", path);
		}
	}
}

/* Claim the next due message: it is ours until the lease runs out. */
static int64_t
outbox_claim(struct store *s, time_t now)
{
	int64_t id;

	if (store_begin(s) < 0)
		return -1;
	id = store_int(s, 0, "SELECT id FROM outbox WHERE state IN ('queued', 'sending', "
	    "'deferred') AND next_attempt <= ? ORDER BY next_attempt, id LIMIT 1", "i",
	    (int64_t)now);
	if (id > 0)
		store_exec(s, "UPDATE outbox SET state = 'sending', attempts = attempts + 1, "
		    "next_attempt = ? WHERE id = ?", "ii", (int64_t)now + OUTBOX_LEASE, id);
	if (store_commit(s) < 0)
		return -1;
	return id;
}

static void
outbox_record(struct store *s, int64_t id, const struct smtp_report *r, time_t now,
    int attempts, time_t created)
{
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
		if (now - created >= OUTBOX_GIVE_UP) {
			state = "failed";
			snprintf(err, sizeof(err), "gave up after 5 days of temporary failures: %.400s",
			    r->err);
		} else {
			state = "deferred";
			next = now + outbox_backoff(attempts);
		}
		break;
	}
	store_begin(s);
	store_exec(s, "UPDATE outbox SET state = ?, next_attempt = ?, last_code = ?, "
	    "last_reply = ?, last_error = ?, sent_at = CASE WHEN ? = 'sent' THEN ? ELSE "
	    "sent_at END WHERE id = ?", "tidtttii", state, (int64_t)next, r->code, r->reply,
	    err[0] ? err : NULL, state, (int64_t)now, id);
	store_commit(s);
}

int
outbox_send(struct store *s, const struct config *c, time_t now, FILE *out)
{
	struct outbox_sender tx;
	int sent = 0;
	int64_t id;

	memset(&tx, 0, sizeof(tx));
	tx.c = c;
	while ((id = outbox_claim(s, now)) > 0) {
		sqlite3_stmt *q = store_q(s, "SELECT o.env_from, o.rcpt, o.data, o.kind, "
		    "coalesce(b.ref, '-'), o.attempts, o.created FROM outbox o LEFT JOIN bookings b "
		    "ON b.id = o.booking_id WHERE o.id = ?", "i", id);
		struct smtp_report r;
		char *from, *rcpt, *data, *kind, *ref;
		size_t len;
		int attempts;
		time_t created;

		if (store_step(s, q) <= 0)
			break;
		from = store_col_dup(q, 0);
		rcpt = store_col_dup(q, 1);
		len = (size_t)sqlite3_column_bytes(q, 2);
		data = xstrndup(sqlite3_column_blob(q, 2), len);
		kind = store_col_dup(q, 3);
		ref = store_col_dup(q, 4);
		attempts = sqlite3_column_int(q, 5);
		created = sqlite3_column_int64(q, 6);
		sqlite3_reset(q);

		outbox_transmit(&tx, from, rcpt, data, len, &r);
		/*
		 * Fault injection for the tests: die between the server's acceptance and the
		 * local commit, the one window in which a message may go twice.
		 */
		if (r.outcome == SMTP_SENT && getenv("NOSHOWD_TEST_DIE_AFTER_SEND") != NULL)
			_exit(99);
		outbox_record(s, id, &r, now, attempts, created);
		if (r.outcome == SMTP_SENT)
			sent++;
		if (out != NULL)
			fprintf(out, "mail %s %s to %s: %s%s%s\n", ref, kind, rcpt,
			    r.outcome == SMTP_SENT ? "sent" : r.outcome == SMTP_PERMFAIL ?
			    "failed" : "deferred", r.reply[0] || r.err[0] ? ": " : "",
			    r.err[0] ? r.err : r.reply);
		else if (r.outcome != SMTP_SENT)
			log_warnx("mail %s %s to %s: %s", ref, kind, rcpt, r.err[0] ? r.err :
			    r.reply);
		smtp_report_release(&r);
		free(from), free(rcpt), free(data), free(kind), free(ref);
		if (s->failed)
			break;
	}
	outbox_sender_close(&tx);
	return s->failed ? -1 : sent;
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
