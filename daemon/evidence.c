#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "evidence.h"
#include "json.h"
#include "merkle.h"
#include "newfile.h"

char *
evidence_message_path(const char *dir, const char *hash)
{
	return xasprintf("%s/messages/%s.eml", dir, hash);
}

static int
evidence_mkdir(const char *path, char err[ERR_MAX])
{
	if (mkdir(path, 0700) < 0 && errno != EEXIST)
		return errf(err, "cannot create %s: %s (evidence_dir must be writable by "
		    "noshowd)", path, strerror(errno));
	return 0;
}

/* The file kept earlier must hold exactly these bytes. */
static int
evidence_same(const char *path, const char *hash, char err[ERR_MAX])
{
	size_t len;
	char *old = read_file(path, 64 << 20, &len, err), got[65];

	if (old == NULL)
		return -1;
	sha256_hex(old, len, got);
	free(old);
	if (strcmp(got, hash) != 0)
		return errf(err, "%s does not hold the bytes its name says (sha256 %s): the "
		    "evidence was altered; run noshowctl evidence verify", path, got);
	return 0;
}

int
evidence_keep_message(const char *dir, const void *data, size_t len, char hash[65],
    char err[ERR_MAX])
{
	return evidence_put_message(dir, data, len, 1, hash, err);
}

int
evidence_sync(const char *dir, char err[ERR_MAX])
{
	char *msgdir = xasprintf("%s/messages", dir);
	int rc = sync_fs(msgdir, err);

	free(msgdir);
	return rc;
}

int
evidence_put_message(const char *dir, const void *data, size_t len, int sync, char hash[65],
    char err[ERR_MAX])
{
	char *msgdir = xasprintf("%s/messages", dir), *path;
	int rc;

	sha256_hex(data, len, hash);
	path = evidence_message_path(dir, hash);
	/*
	 * A copy kept before (a retry) is not written again; it must hold these bytes, and
	 * be durable too. The directories are made when missing, not tried for every message.
	 */
	if (access(path, F_OK) == 0)
		rc = 1;
	else if ((rc = newfile_put(msgdir, path, data, len, 0400, sync, err)) < 0 &&
	    errno == ENOENT && evidence_mkdir(dir, err) == 0 && evidence_mkdir(msgdir, err) == 0)
		rc = newfile_put(msgdir, path, data, len, 0400, sync, err);
	if (rc == 1)
		rc = evidence_same(path, hash, err) < 0 ? -1 : sync ? sync_dir(msgdir, err) : 0;
	free(msgdir), free(path);
	return rc < 0 ? -1 : 0;
}

int64_t
evidence_clock_ms(time_t now)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	if (tv.tv_sec - now > 5 || now - tv.tv_sec > 5)
		return (int64_t)now * 1000;
	return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

void
evidence_time(int64_t at_ms, char out[32])
{
	time_t t = (time_t)(at_ms / 1000);
	struct tm tm;

	char sec[24];

	gmtime_r(&t, &tm);
	strftime(sec, sizeof(sec), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 32, "%.19s.%03uZ", sec, (unsigned)(at_ms % 1000) % 1000u);
}

static void
evidence_name(struct buf *b, const char *name)
{
	if (b->len > 0)
		buf_addch(b, ',');
	json_quote_buf(b, name, strlen(name));
	buf_addch(b, ':');
}

void
evidence_field_str(struct buf *b, const char *name, const char *value)
{
	evidence_name(b, name);
	if (value == NULL)
		buf_addstr(b, "null");
	else
		json_quote_buf(b, value, strlen(value));
}

void
evidence_field_int(struct buf *b, const char *name, int64_t value)
{
	evidence_name(b, name);
	buf_printf(b, "%lld", (long long)value);
}

void
evidence_field_raw(struct buf *b, const char *name, const char *json)
{
	evidence_name(b, name);
	buf_addstr(b, json ? json : "null");
}

int64_t
evidence_append(struct store *s, int64_t at_ms, const char *event, int64_t booking_id,
    int64_t outbox_id, const char *fields)
{
	sqlite3_stmt *q = store_q(s, "SELECT seq, hash FROM evidence ORDER BY seq DESC LIMIT 1",
	    "");
	char prev[65] = EVIDENCE_GENESIS, at[32], hash[65];
	unsigned char leaf[MERKLE_HASH_LEN];
	int64_t seq = 1;
	struct buf b;

	if (q == NULL)
		return -1;
	if (store_step(s, q) > 0) {
		seq = sqlite3_column_int64(q, 0) + 1;
		snprintf(prev, sizeof(prev), "%s", store_col_text(q, 1));
		sqlite3_reset(q);
	}
	evidence_time(at_ms, at);
	buf_init(&b);
	buf_printf(&b, "{\"seq\":%lld,\"at\":\"%s\",\"event\":", (long long)seq, at);
	json_quote_buf(&b, event, strlen(event));
	if (fields != NULL && *fields != '\0')
		buf_printf(&b, ",%s", fields);
	buf_printf(&b, ",\"prev_hash\":\"%s\"}", prev);
	sha256_hex(b.data, b.len, hash);
	merkle_leaf(b.data, b.len, leaf);
	q = store_q(s, "INSERT INTO evidence (seq, at_ms, event, booking_id, outbox_id, body, "
	    "hash, leaf) VALUES (?, ?, ?, nullif(?, 0), nullif(?, 0), ?, ?, ?)", "iitiittn", seq,
	    at_ms, event, booking_id, outbox_id, b.data, hash);
	buf_release(&b);
	if (q == NULL)
		return -1;
	if (sqlite3_bind_blob(q, 8, leaf, sizeof(leaf), SQLITE_TRANSIENT) != SQLITE_OK) {
		s->failed = 1;
		snprintf(s->error, sizeof(s->error), "evidence: cannot bind the leaf hash");
		return -1;
	}
	if (store_step(s, q) < 0)
		return -1;
	return seq;
}

static const char *
evidence_event(enum smtp_outcome o)
{
	return o == SMTP_SENT ? "relay-acceptance" : o == SMTP_PERMFAIL ? "relay-rejection" :
	    "relay-failure";
}

int64_t
evidence_record_send(struct store *s, int64_t outbox_id, const char *transport,
    const char *server, const struct smtp_report *r, int64_t at_ms)
{
	sqlite3_stmt *q = store_q(s, "SELECT coalesce(o.booking_id, 0), b.ref, o.kind, "
	    "o.message_id, o.env_from, o.rcpt, o.hash, length(d.data), o.template, "
	    "o.template_hash, o.figures, o.dkim FROM outbox o JOIN outbox_data d "
	    "ON d.outbox_id = o.id "
	    "LEFT JOIN bookings b ON b.id = o.booking_id WHERE o.id = ?", "i", outbox_id);
	int64_t booking_id, seq;
	struct buf f;

	if (q == NULL || store_step(s, q) <= 0) {
		if (!s->failed) {
			s->failed = 1;
			snprintf(s->error, sizeof(s->error), "evidence: no outbox message %lld",
			    (long long)outbox_id);
		}
		return -1;
	}
	booking_id = sqlite3_column_int64(q, 0);
	buf_init(&f);
	evidence_field_str(&f, "ref", sqlite3_column_text(q, 1) ? store_col_text(q, 1) : NULL);
	evidence_field_str(&f, "kind", store_col_text(q, 2));
	evidence_field_str(&f, "message_id", store_col_text(q, 3));
	evidence_field_str(&f, "env_from", store_col_text(q, 4));
	evidence_field_str(&f, "rcpt", store_col_text(q, 5));
	evidence_field_str(&f, "msg_sha256", store_col_text(q, 6));
	evidence_field_int(&f, "msg_size", sqlite3_column_int64(q, 7));
	evidence_field_str(&f, "template", store_col_text(q, 8));
	evidence_field_str(&f, "template_sha256", sqlite3_column_text(q, 9) ?
	    store_col_text(q, 9) : NULL);
	evidence_field_raw(&f, "figures", sqlite3_column_text(q, 10) ? store_col_text(q, 10) :
	    NULL);
	evidence_field_raw(&f, "dkim", sqlite3_column_text(q, 11) ? store_col_text(q, 11) :
	    NULL);
	sqlite3_reset(q);
	evidence_field_str(&f, "transport", transport);
	evidence_field_str(&f, "server", server);
	evidence_field_str(&f, "address", r->address[0] ? r->address : NULL);
	evidence_field_int(&f, "code", r->code);
	evidence_field_str(&f, "reply", r->reply[0] ? r->reply : NULL);
	evidence_field_str(&f, "tls_fingerprint", r->tls_fingerprint[0] ? r->tls_fingerprint :
	    NULL);
	evidence_field_str(&f, "dialogue", r->dialogue);
	evidence_field_str(&f, "dsn", r->dsn);
	evidence_field_str(&f, "error", r->err[0] ? r->err : NULL);
	seq = evidence_append(s, at_ms, evidence_event(r->outcome), booking_id, outbox_id,
	    f.data);
	buf_release(&f);
	return seq;
}

/*
 * Where "key": is a member of the record itself: the objects inside it (figures, dkim) have
 * members of their own, such as a send record's dkim.key_sha256, which is not the
 * key_sha256 of a checkpoint.
 */
static const char *
evidence_body_key(const char *body, const char *key)
{
	size_t n = strlen(key);
	int depth = 0;

	for (const char *p = body; *p != '\0'; p++) {
		if (*p == '{' || *p == '[') {
			depth++;
		} else if (*p == '}' || *p == ']') {
			depth--;
		} else if (*p == '"') {
			if (depth == 1 && (p[-1] == ',' || p[-1] == '{') && strncmp(p, key, n) == 0)
				return p;
			for (p++; *p != '\0' && *p != '"'; p++)
				if (*p == '\\' && p[1] != '\0')
					p++;
			if (*p == '\0')
				return NULL;
		}
	}
	return NULL;
}

char *
evidence_body_object(const char *body, const char *name)
{
	char *key = xasprintf("\"%s\":", name);
	const char *p = evidence_body_key(body, key), *e;
	int depth = 0;

	if (p != NULL)
		p += strlen(key);
	free(key);
	if (p == NULL || *p != '{')
		return NULL;
	/* To the brace that closes it; strings may hold braces, and escaped quotes. */
	for (e = p; *e != '\0'; e++) {
		if (*e == '"') {
			for (e++; *e != '\0' && *e != '"'; e++)
				if (*e == '\\' && e[1] != '\0')
					e++;
			if (*e == '\0')
				return NULL;
		} else if (*e == '{' && ++depth) {
			continue;
		} else if (*e == '}' && --depth == 0) {
			return xstrndup(p, (size_t)(e - p + 1));
		}
	}
	return NULL;
}

char *
evidence_body_field(const char *body, const char *name)
{
	char *key = xasprintf("\"%s\":", name);
	const char *p = evidence_body_key(body, key), *e;
	struct buf b;

	if (p == NULL) {
		free(key);
		return NULL;
	}
	p += strlen(key);
	free(key);
	if (*p != '"') {
		for (e = p; *e && *e != ',' && *e != '}'; e++)
			;
		return strncmp(p, "null", 4) == 0 ? NULL : xstrndup(p, (size_t)(e - p));
	}
	buf_init(&b);
	for (p++; *p && *p != '"'; p++) {
		if (*p != '\\') {
			buf_addch(&b, *p);
			continue;
		}
		switch (*++p) {
		case 'n': buf_addch(&b, '\n'); break;
		case 'r': buf_addch(&b, '\r'); break;
		case 't': buf_addch(&b, '\t'); break;
		case 'u':	/* only \u00XX is written (json_quote_buf) */
			if (strlen(p) >= 5) {
				buf_addch(&b, (char)strtol((char[]){ p[3], p[4], 0 }, NULL, 16));
				p += 4;
			}
			break;
		case '\0': p--; break;
		default: buf_addch(&b, *p); break;
		}
	}
	if (b.data == NULL)
		buf_addstr(&b, "");
	return buf_detach(&b);
}

int
evidence_unhex(const char *hex, unsigned char *out, size_t n)
{
	if (hex == NULL || strlen(hex) != 2 * n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		char pair[3] = { hex[2 * i], hex[2 * i + 1], 0 }, *end;

		out[i] = (unsigned char)strtoul(pair, &end, 16);
		if (*end != '\0')
			return -1;
	}
	return 0;
}

unsigned char *
evidence_unbase64(const char *b64, size_t *len)
{
	size_t blen = strlen(b64);
	unsigned char *der = xmalloc(blen + 1);
	int n = EVP_DecodeBlock(der, (const unsigned char *)b64, (int)blen);

	/* EVP_DecodeBlock counts the '=' padding as zero bytes. */
	while (n > 0 && blen > 0 && b64[--blen] == '=')
		n--;
	if (n <= 0) {
		free(der);
		return NULL;
	}
	*len = (size_t)n;
	return der;
}
