/*
 * The durable outbox. outbox_put() stores a fully built message in the caller's transaction,
 * next to the state change that causes it, so a decided message cannot be lost. The sender
 * claims one message at a time with a lease (a short transaction), sends it outside any
 * transaction, and records the answer in another. A process that dies while sending leaves
 * its lease to run out, and the message then goes again with the same bytes and Message-ID:
 * the one window in which a duplicate is possible. Temporary failures back off (5 minutes,
 * doubling, at most 6 hours) and give up after 5 days; permanent ones wait for
 * `noshowctl outbox retry`. With mail.dkim the sender signs a message at its first attempt
 * and stores the signed bytes in place of the queued ones (dkim.h), so that every attempt
 * sends the same bytes.
 */
#ifndef NOSHOWD_OUTBOX_H
#define NOSHOWD_OUTBOX_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "config.h"
#include "store.h"

#define OUTBOX_LEASE		600		/* seconds a claimed message is ours */
#define OUTBOX_BACKOFF_FIRST	300
#define OUTBOX_BACKOFF_MAX	(6 * 3600)
#define OUTBOX_GIVE_UP		(5 * 86400)

/*
 * The messages still to send, as every query asking for them must say it: word for word
 * the condition of the partial index outbox_due (migration 018), or SQLite cannot tell that
 * the index covers the query, and reads the whole outbox.
 */
#define OUTBOX_UNSENT		"state NOT IN ('sent', 'failed')"

struct outbox_item {
	int64_t booking_id;		/* 0: not about a booking (the digest) */
	const char *kind;		/* X-Noshowd-Kind */
	const char *language;
	const char *template_name;
	const char *template_hash;	/* SHA-256 of the template file; NULL if none */
	const char *figures;		/* JSON object of the figures it states; NULL: none */
	const char *message_id;
	const char *env_from, *rcpt;
	const char *data;		/* the exact bytes to send */
	size_t len;
};

/* Queue a message (in the caller's transaction). Returns its id, or -1. */
int64_t outbox_put(struct store *s, const struct outbox_item *m, time_t now);

/*
 * Send the messages due at `now` through the configured transport, one line per message to
 * `out` when it is not NULL. Over SMTP the first temporary failure ends the round. Before
 * each message (each batch of the maildir transport) go_on(arg), when not NULL, may end the
 * round by returning 0: the service pings its watchdog there and stops for a TERM after the
 * message under way. Returns how many messages were tried (sent, deferred or failed), or
 * -1 if the store failed.
 */
int outbox_send(struct store *s, const struct config *c, time_t now, FILE *out,
    int (*go_on)(void *), void *arg);

/* The earliest moment a waiting message is due, or 0 when none waits. */
time_t outbox_next_due(struct store *s);

/* Make a failed or deferred message due now. */
int outbox_retry(struct store *s, int64_t id, time_t now, char err[]);

/*
 * The first line of a file: where systemd's LoadCredential= puts a password (SMTP, and the
 * bounce mailbox's IMAP). 0, or -1 with err naming the file (never its content).
 */
int outbox_read_password(const char *path, char *out, size_t len, char err[]);

/* Next delay after `attempts` temporary failures (pure; for the tests too). */
int64_t outbox_backoff(int attempts);

#endif
