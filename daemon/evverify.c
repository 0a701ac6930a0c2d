/*
 * noshowctl evidence verify: recompute everything the evidence log claims, trusting none
 * of the stored hashes. One pass over the records in order keeps the chain's previous hash
 * and, for the checkpoints, the Merkle tree's frontier (the roots of its perfect subtrees,
 * as a binary counter), so that every checkpoint's root costs O(log n), not a new tree.
 */
#include <dirent.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "evidence.h"
#include "merkle.h"
#include "sign.h"
#include "strmap.h"
#include "tsa.h"

/* The message files the records name, so that the walk of the directory skips them. */
struct named {
	struct strmap map;	/* hash -> 1; the keys are the strings of `keys` */
	char **keys;
	size_t n, cap;
};

static void
named_add(struct named *k, char *hash)
{
	if (strmap_get(&k->map, hash, 0) != NOIDX) {
		free(hash);
		return;
	}
	if (k->n == k->cap)
		k->keys = xrealloc(k->keys, (k->cap = k->cap ? 2 * k->cap : 256) *
		    sizeof(*k->keys));
	k->keys[k->n++] = hash;
	strmap_put(&k->map, hash, 0, 1);
}

static void
named_release(struct named *k)
{
	strmap_release(&k->map);
	for (size_t i = 0; i < k->n; i++)
		free(k->keys[i]);
	free(k->keys);
}

struct frontier {
	unsigned char node[MERKLE_PATH_MAX][MERKLE_HASH_LEN];
	size_t height[MERKLE_PATH_MAX];	/* of each subtree: 2^height leaves */
	size_t n;			/* subtrees on the stack */
};

static void
node_hash(const unsigned char *l, const unsigned char *r, unsigned char out[MERKLE_HASH_LEN])
{
	unsigned char in[1 + 2 * MERKLE_HASH_LEN];
	unsigned int len;

	in[0] = 0x01;
	memcpy(in + 1, l, MERKLE_HASH_LEN);
	memcpy(in + 1 + MERKLE_HASH_LEN, r, MERKLE_HASH_LEN);
	EVP_Digest(in, sizeof(in), out, &len, EVP_sha256(), NULL);
}

static void
frontier_add(struct frontier *f, const unsigned char leaf[MERKLE_HASH_LEN])
{
	size_t h = 0;

	memcpy(f->node[f->n], leaf, MERKLE_HASH_LEN);
	f->height[f->n++] = 0;
	/* Two subtrees of one height make one of the next. */
	while (f->n >= 2 && f->height[f->n - 2] == f->height[f->n - 1]) {
		h = f->height[f->n - 1] + 1;
		node_hash(f->node[f->n - 2], f->node[f->n - 1], f->node[f->n - 2]);
		f->height[f->n - 2] = h;
		f->n--;
	}
}

/* RFC 9162's root of the leaves so far: the subtrees folded from the right. */
static void
frontier_root(const struct frontier *f, unsigned char out[MERKLE_HASH_LEN])
{
	if (f->n == 0) {
		unsigned int len;

		EVP_Digest("", 0, out, &len, EVP_sha256(), NULL);
		return;
	}
	memcpy(out, f->node[f->n - 1], MERKLE_HASH_LEN);
	for (size_t i = f->n - 1; i-- > 0;)
		node_hash(f->node[i], out, out);
}

/* A kept message or report (field): its file holds the bytes its name says. */
static int
verify_message(const struct config *c, int64_t seq, const char *body, const char *field,
    struct named *named,
    char err[ERR_MAX])
{
	char *hash = evidence_body_field(body, field), *path, *data, got[65];
	size_t len;
	int rc = 0;

	if (hash == NULL)
		return 0;
	if (strmap_get(&named->map, hash, 0) != NOIDX) {
		free(hash);	/* the same message again (a retry): checked already */
		return 0;
	}
	path = evidence_message_path(c->evidence_dir, hash);
	if ((data = read_file(path, 64 << 20, &len, err)) == NULL) {
		rc = errf(err, "record %lld: its message %s cannot be read", (long long)seq,
		    path);
	} else {
		sha256_hex(data, len, got);
		if (strcmp(got, hash) != 0)
			rc = errf(err, "record %lld: the message file %s was altered (its sha256 "
			    "is %s)", (long long)seq, path, got);
	}
	free(data), free(path);
	named_add(named, hash);
	return rc;
}

/*
 * Every other file in messages/: a copy kept just before the process died, whose send was
 * never recorded (it went again with the same bytes, or will), must hold the bytes its name
 * says too; anything else there is not ours. Counts the unrecorded copies.
 */
static int
verify_unnamed(const struct config *c, const struct named *named, int64_t *unrecorded,
    char err[ERR_MAX])
{
	char *dir = xasprintf("%s/messages", c->evidence_dir), *path, *data, got[65];
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t len;
	int rc = 0;

	if (d == NULL) {
		free(dir);
		return 0;	/* nothing was ever kept (the records say otherwise if so) */
	}
	while (rc == 0 && (e = readdir(d)) != NULL) {
		const char *n = e->d_name;
		char hash[65];

		if (n[0] == '.')
			continue;	/* ".", "..", and the temporary files of a write */
		if (strlen(n) != 68 || strcmp(n + 64, ".eml") != 0 ||
		    strspn(n, "0123456789abcdef") != 64) {
			rc = errf(err, "%s/%s: a file that is not a kept message (its name is not "
			    "a SHA-256 and .eml)", dir, n);
			break;
		}
		snprintf(hash, sizeof(hash), "%.64s", n);
		if (strmap_get(&named->map, hash, 0) != NOIDX)
			continue;
		path = xasprintf("%s/%s", dir, n);
		if ((data = read_file(path, 64 << 20, &len, err)) == NULL) {
			rc = errf(err, "%s cannot be read", path);
		} else {
			sha256_hex(data, len, got);
			if (strcmp(got, hash) != 0)
				rc = errf(err, "the message file %s was altered (its sha256 is %s)",
				    path, got);
			(*unrecorded)++;
		}
		free(data), free(path);
	}
	closedir(d);
	free(dir);
	return rc;
}

/* A checkpoint over records 1..n: its statement, signature and timestamp. */
static int
verify_checkpoint(int64_t seq, int64_t at_ms, const char *body, const char *head,
    const unsigned char root[MERKLE_HASH_LEN], int64_t n, int *stamped, char err[ERR_MAX])
{
	char rooth[65], *want = evidence_statement(n, head, (evidence_hex(root, MERKLE_HASH_LEN,
	    rooth), rooth), at_ms);
	char *statement = evidence_body_field(body, "statement");
	char *sighex = evidence_body_field(body, "signature");
	char *pem = evidence_body_field(body, "public_key");
	char *stamp = evidence_body_field(body, "timestamp");
	unsigned char sig[SIGN_SIG_LEN];
	int rc = -1;

	if (statement == NULL || strcmp(statement, want) != 0)
		errf(err, "checkpoint record %lld: its statement does not match records 1..%lld "
		    "(their head or Merkle root changed)", (long long)seq, (long long)n);
	else if (evidence_unhex(sighex, sig, sizeof(sig)) < 0 || pem == NULL ||
	    sign_verify_pem(pem, statement, strlen(statement), sig) < 0)
		errf(err, "checkpoint record %lld: the signature does not verify", (long long)seq);
	else
		rc = 0;
	if (rc == 0 && stamp != NULL) {
		size_t dlen = 0;
		unsigned char *der = evidence_unbase64(stamp, &dlen);
		char terr[ERR_MAX];
		time_t gen;

		if (der == NULL || tsa_check(der, dlen, statement, strlen(statement), &gen,
		    terr) < 0)
			rc = errf(err, "checkpoint record %lld: the timestamp token does not "
			    "verify: %s", (long long)seq, der == NULL ? "not base64" : terr);
		else
			(*stamped)++;
		free(der);
	}
	free(want), free(statement), free(sighex), free(pem), free(stamp);
	return rc;
}

/* The columns must say what the body says. */
static int
verify_columns(int64_t seq, int64_t at_ms, const char *event, const char *ref,
    const char *body, const char *prev, char err[ERR_MAX])
{
	char at[32], *want, *got_ref = evidence_body_field(body, "ref");
	int rc = 0;

	evidence_time(at_ms, at);
	want = xasprintf("{\"seq\":%lld,\"at\":\"%s\",\"event\":\"%s\"", (long long)seq, at,
	    event);
	if (strncmp(body, want, strlen(want)) != 0)
		rc = errf(err, "record %lld: its seq, time or event differs from its content",
		    (long long)seq);
	else if (ref != NULL && (got_ref == NULL || strcmp(ref, got_ref) != 0))
		rc = errf(err, "record %lld: it is filed under booking %s but is about %s",
		    (long long)seq, ref, got_ref ? got_ref : "no booking");
	free(want);
	want = xasprintf(",\"prev_hash\":\"%s\"}", prev);
	if (rc == 0 && (strlen(body) < strlen(want) ||
	    strcmp(body + strlen(body) - strlen(want), want) != 0))
		rc = errf(err, "record %lld: the chain is broken: it does not name the hash of "
		    "record %lld", (long long)seq, (long long)seq - 1);
	free(want), free(got_ref);
	return rc;
}

int
evidence_verify(struct store *s, const struct config *c, FILE *out, char err[ERR_MAX])
{
	sqlite3_stmt *q = store_q(s, "SELECT e.seq, e.at_ms, e.event, b.ref, e.body, e.hash, "
	    "e.leaf FROM evidence e LEFT JOIN bookings b ON b.id = e.booking_id ORDER BY e.seq",
	    "");
	struct frontier *f = xcalloc(1, sizeof(*f));
	struct named named = { 0 };
	char prev[65] = EVIDENCE_GENESIS, hash[65];
	int64_t n = 0, messages = 0, reports = 0, checkpoints = 0, last_cp = 0;
	int64_t unrecorded = 0;
	int stamped = 0, rc = 0;

	while (rc == 0 && q != NULL && store_step(s, q) > 0) {
		int64_t seq = sqlite3_column_int64(q, 0), at_ms = sqlite3_column_int64(q, 1);
		const char *event = store_col_text(q, 2), *body = store_col_text(q, 4);
		const char *ref = sqlite3_column_text(q, 3) ? store_col_text(q, 3) : NULL;
		unsigned char leaf[MERKLE_HASH_LEN], root[MERKLE_HASH_LEN];

		if (seq != n + 1) {
			rc = errf(err, "record %lld is missing (the next is %lld)",
			    (long long)n + 1, (long long)seq);
			break;
		}
		sha256_hex(body, strlen(body), hash);
		merkle_leaf(body, strlen(body), leaf);
		if (strcmp(hash, store_col_text(q, 5)) != 0 ||
		    sqlite3_column_bytes(q, 6) != MERKLE_HASH_LEN ||
		    memcmp(leaf, sqlite3_column_blob(q, 6), MERKLE_HASH_LEN) != 0) {
			rc = errf(err, "record %lld: its hash does not match its content",
			    (long long)seq);
			break;
		}
		if ((rc = verify_columns(seq, at_ms, event, ref, body, prev, err)) < 0)
			break;
		if (strcmp(event, "checkpoint") == 0) {
			frontier_root(f, root);
			rc = verify_checkpoint(seq, at_ms, body, prev, root, n, &stamped, err);
			checkpoints++;
			last_cp = seq;
		} else if (strstr(body, ",\"msg_sha256\":\"") != NULL) {
			rc = verify_message(c, seq, body, "msg_sha256", &named, err);
			messages++;
		} else if (strstr(body, ",\"report_sha256\":\"") != NULL) {
			rc = verify_message(c, seq, body, "report_sha256", &named, err);
			reports++;
		}
		frontier_add(f, leaf);
		snprintf(prev, sizeof(prev), "%s", hash);
		n = seq;
	}
	if (q != NULL && rc < 0)
		sqlite3_reset(q);
	free(f);
	if (s->failed && rc == 0)
		rc = errf(err, "%s", s->error);
	if (rc == 0)
		rc = verify_unnamed(c, &named, &unrecorded, err);
	named_release(&named);
	if (rc == 0 && out != NULL) {
		fprintf(out, "records:     %lld, hashes and chain recomputed\n", (long long)n);
		fprintf(out, "messages:    %lld records, each file's SHA-256 recomputed\n",
		    (long long)messages);
		fprintf(out, "reports:     %lld delivery records, each report's SHA-256 "
		    "recomputed\n", (long long)reports);
		if (unrecorded > 0)
			fprintf(out, "unrecorded:  %lld kept messages without a record (kept just "
			    "before a send that was not recorded), each file's SHA-256 recomputed\n",
			    (long long)unrecorded);
		fprintf(out, "checkpoints: %lld, signatures verified, %d with a timestamp "
		    "verified\n", (long long)checkpoints, stamped);
		if (n > last_cp)
			fprintf(out, "unsigned:    %lld records after the last checkpoint\n",
			    (long long)(n - last_cp));
		fprintf(out, "OK\n");
	}
	return rc;
}
