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
/*
 * The same for a batch: with sync 0 neither the file nor the directory is fsync'd, and the
 * caller calls evidence_sync() once (syncfs(2) of the evidence directory's file system)
 * before it hands any message of the batch to the transport.
 */
int evidence_put_message(const char *dir, const void *data, size_t len, int sync,
    char hash[65], char err[ERR_MAX]);
int evidence_sync(const char *dir, char err[ERR_MAX]);

/* A record's time: the real clock's milliseconds, unless `now` was set apart (--now). */
int64_t evidence_clock_ms(time_t now);

/*
 * Append the record of one transport answer about outbox message `outbox_id` (in the
 * caller's transaction). transport and server say where it went: "smtp" and the relay's
 * URL, "direct" and the recipient's MX as "smtp://host:25" (NULL when no server was
 * reached), or "maildir" and the maildir. The record's "address" is r->address, the IP
 * address connected to (null when none). Returns the record's seq, or -1 with the store
 * failed.
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

/*
 * A field of a record's body (a member of the record, not of an object inside it): a
 * string unescaped (NULL when absent or null), or the text of a number.
 */
char *evidence_body_field(const char *body, const char *name);

/* A member of a record's body that is an object (such as "dkim"), as its JSON text, whose
   own fields evidence_body_field reads; NULL when absent, null or not an object. */
char *evidence_body_object(const char *body, const char *name);

/* Lower hex of n bytes into out (2n + 1 bytes), and back (0, or -1 if it is not 2n hex). */
void evidence_hex(const unsigned char *p, size_t n, char *out);
int evidence_unhex(const char *hex, unsigned char *out, size_t n);
/* The bytes of a base64 text (a checkpoint's timestamp token), or NULL if it is not. */
unsigned char *evidence_unbase64(const char *b64, size_t *len);

/* The text a checkpoint over records 1..n signs (see evcheckpoint.c). */
char *evidence_statement(int64_t n, const char *head, const char *root, int64_t at_ms);

/* The Merkle tree of records 1..n from their stored leaf hashes. 0, or -1 (store failed). */
struct merkle_tree;
int evidence_tree(struct store *s, int64_t n, struct merkle_tree *t);

/*
 * Sign the chain now: a checkpoint record over every record so far (with its own
 * transaction; call it outside one). Returns its seq, 0 when the last record is a
 * checkpoint already, or -1 with err.
 */
int64_t evidence_checkpoint(struct store *s, const struct config *c, time_t now,
    char err[ERR_MAX]);

/*
 * Make the checkpoint if it is due at now (a failure is logged), and say when the next one
 * falls due: at once after a dunning message went out, else evidence.checkpoint_every after
 * the last one (or the first record); 0 when no record waits for one.
 */
time_t evidence_checkpoint_due(struct store *s, const struct config *c, time_t now);

/*
 * Recompute everything (evverify.c): every record's hash, leaf and place in the chain,
 * every kept message file against its name, every checkpoint's root, signature and
 * timestamp. Says what it checked on out; on the first mismatch, names the record or file
 * in err and returns -1.
 */
int evidence_verify(struct store *s, const struct config *c, FILE *out, char err[ERR_MAX]);

/*
 * Write one booking's bundle into dir, which must not exist yet (evexport.c); a checkpoint
 * is made first when none covers the booking's last record. 0, or -1 with err.
 */
int evidence_export(struct store *s, const struct config *c, int64_t booking_id,
    const char *dir, time_t now, char err[ERR_MAX]);

#endif
