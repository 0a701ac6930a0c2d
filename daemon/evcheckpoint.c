/*
 * Checkpoints of the evidence log. A checkpoint is a record like any other, in the chain,
 * that holds a statement about the records before it,
 *
 *	noshowd evidence checkpoint 1
 *	records N
 *	head <hash of record N>
 *	root <Merkle tree hash (RFC 9162) of the leaves of records 1..N>
 *	at <time, UTC>
 *
 * with the statement's Ed25519 signature, the public key, and with evidence.tsa_url an
 * RFC 3161 timestamp token over the statement. The head commits to the whole chain; the
 * root lets a bundle prove one booking's records with audit paths alone.
 */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "evidence.h"
#include "log.h"
#include "merkle.h"
#include "sign.h"
#include "tsa.h"

#define TSA_TIMEOUT 30

/* The tree of records 1..n, from their stored leaf hashes. */
int
evidence_tree(struct store *s, int64_t n, struct merkle_tree *t)
{
	sqlite3_stmt *q = store_q(s, "SELECT seq, leaf FROM evidence WHERE seq <= ? ORDER BY seq",
	    "i", n);
	unsigned char (*leaves)[MERKLE_HASH_LEN] = xcalloc(n > 0 ? (size_t)n : 1,
	    MERKLE_HASH_LEN);
	int64_t i = 0;

	while (q != NULL && i < n && store_step(s, q) > 0) {
		if (sqlite3_column_int64(q, 0) != i + 1 ||
		    sqlite3_column_bytes(q, 1) != MERKLE_HASH_LEN)
			break;
		memcpy(leaves[i++], sqlite3_column_blob(q, 1), MERKLE_HASH_LEN);
	}
	if (q != NULL)
		sqlite3_reset(q);
	if (i != n) {
		free(leaves);
		if (!s->failed) {
			s->failed = 1;
			snprintf(s->error, sizeof(s->error), "evidence: record %lld is missing or "
			    "damaged; run noshowctl evidence verify", (long long)i + 1);
		}
		return -1;
	}
	merkle_tree_init(t, (const unsigned char (*)[MERKLE_HASH_LEN])leaves, (size_t)n);
	free(leaves);
	return 0;
}

void
evidence_hex(const unsigned char *p, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", p[i]);
}

char *
evidence_statement(int64_t n, const char *head, const char *root, int64_t at_ms)
{
	char at[32];

	evidence_time(at_ms, at);
	return xasprintf("noshowd evidence checkpoint 1\nrecords %lld\nhead %s\nroot %s\nat %s\n",
	    (long long)n, head, root, at);
}

/* The fields of the checkpoint record, after signing (and stamping) the statement. */
static char *
evidence_checkpoint_fields(const struct config *c, const struct sign_key *key, int64_t n,
    const char *head, const char *root, int64_t at_ms, char err[ERR_MAX])
{
	char *statement = evidence_statement(n, head, root, at_ms), *pem, fp[65];
	char sighex[2 * SIGN_SIG_LEN + 1], terr[ERR_MAX] = "", when[32];
	unsigned char sig[SIGN_SIG_LEN], *tsr = NULL;
	size_t tsr_len = 0;
	time_t gen = 0;
	struct buf f;

	if (sign_data(key, statement, strlen(statement), sig) < 0) {
		errf(err, "cannot sign the evidence checkpoint with %s",
		    c->evidence.signing_key);
		free(statement);
		return NULL;
	}
	evidence_hex(sig, sizeof(sig), sighex);
	/* A timestamp authority that is down costs the timestamp, never the checkpoint. */
	if (c->evidence.tsa_url != NULL && tsa_stamp(c->evidence.tsa_url, NULL, TSA_TIMEOUT,
	    statement, strlen(statement), &tsr, &tsr_len, &gen, terr) < 0)
		log_warnx("evidence checkpoint without a timestamp: %s", terr);
	pem = sign_key_public_pem(key);
	sign_key_fingerprint(key, fp);
	buf_init(&f);
	evidence_field_int(&f, "records", n);
	evidence_field_str(&f, "head", head);
	evidence_field_str(&f, "root", root);
	evidence_field_str(&f, "statement", statement);
	evidence_field_str(&f, "signature", sighex);
	evidence_field_str(&f, "key_sha256", fp);
	evidence_field_str(&f, "public_key", pem);
	evidence_field_str(&f, "tsa_url", c->evidence.tsa_url);
	if (tsr != NULL) {
		char *b64 = xmalloc(4 * ((tsr_len + 2) / 3) + 1);

		EVP_EncodeBlock((unsigned char *)b64, tsr, (int)tsr_len);
		evidence_field_str(&f, "timestamp", b64);
		evidence_time((int64_t)gen * 1000, when);
		evidence_field_str(&f, "timestamp_time", when);
		free(b64);
	} else {
		evidence_field_str(&f, "timestamp", NULL);
		evidence_field_str(&f, "timestamp_time", NULL);
	}
	evidence_field_str(&f, "timestamp_error", terr[0] ? terr : NULL);
	free(tsr), free(pem), free(statement);
	return buf_detach(&f);
}

int64_t
evidence_checkpoint(struct store *s, const struct config *c, time_t now, char err[ERR_MAX])
{
	struct merkle_tree t;
	struct sign_key *key;
	unsigned char root[MERKLE_HASH_LEN];
	char rooth[65], *head, *fields;
	int64_t n, at_ms = evidence_clock_ms(now), seq = -1;

	/*
	 * Records are never changed, so the tree of 1..n is read, signed and stamped outside
	 * any transaction (a timestamp authority may take its time); the checkpoint record
	 * then goes at the end of the chain, whatever was added meanwhile.
	 */
	n = store_int(s, 0, "SELECT max(seq) FROM evidence", "");
	if (n == 0 || store_int(s, 0, "SELECT event = 'checkpoint' FROM evidence WHERE seq = ?",
	    "i", n))
		return 0;
	if ((key = sign_key_load(c->evidence.signing_key, 1, err)) == NULL)
		return -1;
	head = store_text(s, "SELECT hash FROM evidence WHERE seq = ?", "i", n);
	if (head == NULL || evidence_tree(s, n, &t) < 0) {
		errf(err, "%s", s->failed ? s->error : "evidence: no chain head");
		free(head);
		sign_key_free(key);
		return -1;
	}
	merkle_tree_root(&t, root);
	merkle_tree_release(&t);
	evidence_hex(root, sizeof(root), rooth);
	fields = evidence_checkpoint_fields(c, key, n, head, rooth, at_ms, err);
	sign_key_free(key);
	if (fields != NULL && store_begin(s) == 0) {
		seq = evidence_append(s, at_ms, "checkpoint", 0, 0, fields);
		if (store_commit(s) < 0)
			seq = -1;
		if (seq < 0)
			errf(err, "%s", s->error);
	}
	free(fields), free(head);
	return seq;
}

static time_t
evidence_checkpoint_next(struct store *s, const struct config *c, time_t now)
{
	int64_t last = store_int(s, 0, "SELECT max(seq) FROM evidence WHERE event = "
	    "'checkpoint'", ""), since;

	/* Both by index: this runs in every cycle, over a log of any length. */
	if (store_int(s, 0, "SELECT EXISTS (SELECT 1 FROM evidence WHERE seq > ?)", "i",
	    last) == 0)
		return 0;
	/* Every dunning step is signed as soon as it went out (the few dunning messages first). */
	if (store_int(s, 0, "SELECT EXISTS (SELECT 1 FROM outbox o CROSS JOIN evidence e ON "
	    "e.outbox_id = o.id WHERE o.kind >= 'dunning-' AND o.kind < 'dunning.' AND "
	    "e.seq > ? AND e.event = 'relay-acceptance')", "i", last) > 0)
		return now;
	since = store_int(s, 0, "SELECT at_ms FROM evidence WHERE seq = ?", "i", last ? last :
	    1);
	return (time_t)(since / 1000) + (time_t)c->evidence.checkpoint_every;
}

time_t
evidence_checkpoint_due(struct store *s, const struct config *c, time_t now)
{
	time_t due = evidence_checkpoint_next(s, c, now);
	char err[ERR_MAX];

	if (due == 0 || due > now)
		return due;
	if (evidence_checkpoint(s, c, now, err) < 0)
		log_warnx("evidence checkpoint: %s", err);
	return evidence_checkpoint_next(s, c, now);
}
