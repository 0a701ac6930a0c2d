/*
 * The registered-mail evidence log (SPEC section 5), checkable by anyone with sha256sum and
 * openssl, without trusting noshowd.
 *
 * Every message's exact bytes are kept under <evidence_dir>/messages/<sha256>.eml,
 * write-once (0400, fsync'd, the directory fsync'd) before they are handed to the
 * transport: what cannot be kept is not sent. Every answer of the transport is a record in
 * the store's evidence table: one canonical JSON line (its fields in a fixed order, escaped
 * by json_quote_buf) whose SHA-256 is the record's hash, and which names the hash of the
 * record before it, so that the records form a chain. Checkpoint records (evcheckpoint.c)
 * sign the chain's head and the root of a Merkle tree over the records before them.
 *
 * Record events follow ETSI EN 319 522 where they fit: relay-acceptance (the server took
 * the message: 250 to the end of DATA, or the file is in the maildir), relay-rejection (a
 * permanent refusal), relay-failure (a temporary one: it will be tried again), checkpoint.
 */
#ifndef NOSHOWD_EVIDENCE_H
#define NOSHOWD_EVIDENCE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "config.h"
#include "smtp.h"
#include "store.h"
#include "util.h"

#define EVIDENCE_GENESIS \
	"0000000000000000000000000000000000000000000000000000000000000000"

/* Where a message's bytes are kept: <dir>/messages/<hash>.eml. */
char *evidence_message_path(const char *dir, const char *hash);

/*
 * Keep a message's bytes, write-once: written to a temporary file, fsync'd, made 0400 and
 * linked to its name, then the directory fsync'd. A file already there must have the same
 * bytes (its hash is checked), else this fails: a changed evidence file is not replaced.
 */
int evidence_keep_message(const char *dir, const void *data, size_t len, char hash[65],
    char err[ERR_MAX]);

/* A record's time: the real clock's milliseconds, unless `now` was set apart (--now). */
int64_t evidence_clock_ms(time_t now);

/*
 * Append the record of one transport answer about outbox message `outbox_id` (in the
 * caller's transaction). transport and server say where it went (the SMTP URL, or the
 * maildir). Returns the record's seq, or -1 with the store failed.
 */
int64_t evidence_record_send(struct store *s, int64_t outbox_id, const char *transport,
    const char *server, const struct smtp_report *r, int64_t at_ms);

/*
 * Append a record whose fields after seq, at and event are `fields` (a JSON object's
 * members, already encoded, without braces; may be empty), for booking_id (0: none) and
 * outbox_id (0: none). The chain's prev_hash is added here. Returns its seq, or -1.
 */
int64_t evidence_append(struct store *s, int64_t at_ms, const char *event,
    int64_t booking_id, int64_t outbox_id, const char *fields);

/* "2026-11-23T15:41:31.123Z" */
void evidence_time(int64_t at_ms, char out[32]);

/* Append "name":value pairs to a record's fields (with the comma before all but the first). */
void evidence_field_str(struct buf *b, const char *name, const char *value);	/* NULL: null */
void evidence_field_int(struct buf *b, const char *name, int64_t value);
void evidence_field_raw(struct buf *b, const char *name, const char *json);	/* NULL: null */

#endif
